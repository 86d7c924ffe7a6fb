// The options before the command, Apptainer's global options: how much hpc says.
//   hpc [-q|-s|-d|-v|--nocolor] COMMAND ...
#pragma once

#include "cmd/report.hpp"

#include <CLI/CLI.hpp>

namespace hpc::cmd {

struct GlobalOptions {
    bool quiet = false;
    bool silent = false;
    bool debug = false;
    bool verbose = false;
    bool nocolor = false;  // accepted for Apptainer's scripts: hpc never prints colour
};

void add_global_options(CLI::App& app, GlobalOptions& options);

// What the options ask for, in Apptainer's precedence when several are given: --debug, then
// --verbose (before the command, or the action's own -v), then --quiet, then --silent.
Verbosity verbosity_of(const GlobalOptions& options, bool command_verbose);

}  // namespace hpc::cmd
