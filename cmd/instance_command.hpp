// hpc instance: containers left running in the background, as Apptainer's instances.
//   hpc instance start [options] IMAGE NAME [ARGS]   the image's startscript (instance_start.hpp)
//   hpc instance run [options] IMAGE NAME [ARGS]     its runscript
//   hpc instance list [--json|--logs] [--user U] [NAME|GLOB]
//   hpc instance stop [-a] [-F] [-s SIGNAL] [-t SECONDS] [--user U] [NAME|GLOB]
//   hpc instance stats [--json] [--no-stream] [--user U] NAME
// and exec|run|shell|test instance://NAME (instance_entry.hpp).
#pragma once

#include "cmd/instance_start.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace hpc::cmd {

struct InstanceOptions {
    InstanceStartOptions start;  // start and run
    std::string user;            // --user: root's look at another user's instances
    std::string name;            // list's, stop's and stats' NAME or pattern
    bool json = false;
    bool logs = false;           // list --logs
    bool all = false;            // list --all (accepted: every instance is listed), stop --all
    bool force = false;          // stop --force: SIGKILL
    std::string signal;          // stop --signal, a name or a number; default SIGTERM
    unsigned timeout = 10;       // stop --timeout: seconds before SIGKILL
    bool no_stream = false;      // stats --no-stream

    CLI::App* start_command = nullptr;
    CLI::App* run_command = nullptr;
    CLI::App* list_command = nullptr;
    CLI::App* stop_command = nullptr;
    CLI::App* stats_command = nullptr;
};

// Adds the subcommands, start's and run's with the action options (only when `instance` is the
// command run, or every command is described: cmd/main.cpp).
void add_instance_options(CLI::App& command, InstanceOptions& options);

int run_instance_command(const InstanceOptions& options);

}  // namespace hpc::cmd
