// hpc under other names: links to the binary that programs outside hpc run by name
// (CMakeLists.txt's hpc_links makes them beside hpc and installs them with it).
//   hpc-slurm-prolog, hpc-slurm-epilog   slurm.conf's Prolog= and Epilog= run a path without
//                                        arguments: `hpc slurm prolog|epilog` (slurm_command.hpp)
//   run-singularity IMAGE [ARGS...]      the interpreter a SIF's header names
//                                        ("#!/usr/bin/env run-singularity"), so that `./app.sif ARGS`
//                                        runs: `hpc run IMAGE ARGS...`, as Apptainer's script is
//                                        `apptainer run "$@"`
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hpc::cmd {

// The command line hpc runs as when argv[0] names one of the links above; nullopt otherwise.
std::optional<std::vector<std::string>> command_for_link_name(int argc, char** argv);

}  // namespace hpc::cmd
