// inspect and run-help: an image's metadata, in Apptainer's output shapes (text sections or --json).
#pragma once

#include "cmd/registry_options.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace hpc::cmd {

struct InspectOptions {
    bool labels = false;
    bool deffile = false;
    bool runscript = false;
    bool startscript = false;
    bool test = false;
    bool helpfile = false;
    bool environment = false;
    bool oci = false;
    bool json = false;
    bool all = false;
    bool list_apps = false;  // the image's SCIF apps
    std::string app;         // --app: the parts asked for are the SCIF app's, not the image's
    RegistryOptions registry;  // for a docker:// or oras:// image
    std::string image;
};

void add_inspect_options(CLI::App& command, InspectOptions& options);

// Prints to stdout; returns 0. Throws hpc::Error for an unusable image.
int run_inspect(const InspectOptions& options);

// Apptainer's run-help: the runscript's help as `inspect -H` shows it, or Apptainer's line for
// an image without one.
struct RunHelpOptions {
    std::string image;
    std::string app;  // --app: the SCIF app's help (%apphelp)
};

void add_run_help_options(CLI::App& command, RunHelpOptions& options);

// Prints to stdout; returns 0. Throws hpc::Error for an unusable image.
int run_run_help(const RunHelpOptions& options);

}  // namespace hpc::cmd
