// config: the admin's site configuration. `hpc config check [FILE]` validates a file (the
// installed one by default) and prints the effective policy.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace hpc::cmd {

struct ConfigOptions {
    std::string file;  // empty: the installed file, site::site_config_path()
};

// Adds `check` under the `config` command.
void add_config_options(CLI::App& command, ConfigOptions& options);

// Prints "<file>: ok" and the policy on stdout; returns 0. Throws hpc::Error(config) for a
// file that is not trusted or not valid, hpc::Error(no_input) for a FILE that does not exist.
int run_config_check(const ConfigOptions& options);

}  // namespace hpc::cmd
