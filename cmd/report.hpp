// The only place hpc writes its own messages: one line each, on stderr, "hpc: ...".
// How many of them are said is the global options' choice (cmd/global_options.hpp), with
// Apptainer's levels: errors always, warnings unless --silent, notices (what hpc is doing, for
// information) unless --quiet or --silent, debug lines with --debug only.
#pragma once

#include <string>

namespace hpc::cmd {

enum class Verbosity { silent, quiet, normal, verbose, debug };

// Set once, by main, before any message; a forked payload process inherits it.
void set_verbosity(Verbosity verbosity);
Verbosity verbosity();
// Whether notices are said: for what writes to stderr by itself (the build's progress line).
bool notices_wanted();

void report_error(const std::string& message);
// "hpc: warning: MESSAGE\n", as report_warning writes it: for a stream of another launch's.
std::string warning_line(const std::string& message);
void report_warning(const std::string& message);
void report_notice(const std::string& message);  // "hpc: ...": information, not a failure
void report_debug(const std::string& message);   // "hpc: debug: ...", with --debug only

}  // namespace hpc::cmd
