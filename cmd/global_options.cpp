#include "cmd/global_options.hpp"

namespace hpc::cmd {

void add_global_options(CLI::App& app, GlobalOptions& options) {
    app.add_flag("-q,--quiet", options.quiet, "say no notices (what hpc is doing); warnings and errors still");
    app.add_flag("-s,--silent", options.silent, "say errors only: no notices, no warnings");
    app.add_flag("-d,--debug", options.debug, "--verbose, and debug lines (\"hpc: debug: ...\")");
    app.add_flag("-v,--verbose", options.verbose,
                 "for exec, run, shell, test: the launch plan, and what the image's server did (as their -v)");
    app.add_flag("--nocolor", options.nocolor, "accepted for Apptainer's scripts; hpc prints no colour anyway");
}

Verbosity verbosity_of(const GlobalOptions& options, bool command_verbose) {
    if (options.debug) return Verbosity::debug;
    if (options.verbose || command_verbose) return Verbosity::verbose;
    if (options.quiet) return Verbosity::quiet;
    if (options.silent) return Verbosity::silent;
    return Verbosity::normal;
}

}  // namespace hpc::cmd
