// slurm: hpc's side of a Slurm cluster (slurm/ has the logic).
//   hpc slurm prolog | epilog   for slurm.conf's Prolog= and Epilog= (also as the links
//                               hpc-slurm-prolog and hpc-slurm-epilog, other_names.hpp)
//   a task of the SPANK plugin  hpc started with HPC_SLURM_TASK set (slurm/task_options.hpp)
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hpc::cmd {

struct SlurmOptions {
    bool prolog = false;
    bool epilog = false;
};

// Adds `prolog` and `epilog` under the `slurm` command.
void add_slurm_options(CLI::App& command, SlurmOptions& options);

// Runs the chosen one; returns its exit status. Never fails for a user's mistake (a failing
// prolog or epilog drains the node): those are reported on stderr, and 0 is returned.
int run_slurm_command(const SlurmOptions& options);

// The command line hpc runs as, when it is not the one it was given: a task of the SPANK
// plugin (HPC_SLURM_TASK, removed from the environment here) becomes `hpc exec ...`. (The
// links hpc-slurm-prolog and hpc-slurm-epilog are other_names.hpp's.)
std::optional<std::vector<std::string>> rewritten_command_line(int argc, char** argv);

}  // namespace hpc::cmd
