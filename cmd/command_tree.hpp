// hpc's command line as the documents written from it see it (the man pages, the bash
// completion): the commands and options a user is shown, hidden ones left out, in the order
// main.cpp adds them.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hpc::cmd {

// The subcommands of `command` that help lists (those in a group; CLI11 hides a command or an
// option by giving it the empty group).
std::vector<const CLI::App*> shown_subcommands(const CLI::App& command);

// The named options of `command` that help lists (-h,--help among them), no positionals.
std::vector<const CLI::Option*> shown_options(const CLI::App& command);

// The positionals of `command` that help lists.
std::vector<const CLI::Option*> shown_positionals(const CLI::App& command);

// Whether `option` takes a value (`-B PATH`), not a flag (`--contain`).
bool takes_value(const CLI::Option& option);

// The option's names as a user types them, short ones first: {"-B", "--bind"}.
std::vector<std::string> option_names(const CLI::Option& option);

}  // namespace hpc::cmd
