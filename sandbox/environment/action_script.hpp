// The POSIX sh program that the image's /bin/sh runs as the payload when the environment
// needs a shell: it sources the image's environment scripts, exports the user's values,
// finishes PATH and LD_LIBRARY_PATH, restores the host's variables and execs the action.
// It is written for each launch, with the script paths and the values in it, so that it runs
// no command and starts no subshell in the usual case (dash, bash and busybox sh alike).
//
// Contract with payload_command(): argv = [sh, "-c", script, "hpc", args...] and
// envp = ContainerEnvironment::base plus, for each host variable NAME, HPC_HOST_NAME=value.
// The image's scripts see the host's variables under those names only; at the end the script
// exports NAME unless the scripts or the user set it, and unsets every HPC_HOST_ name.
#pragma once

#include "sandbox/environment/environment.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hpc::sandbox {

inline constexpr std::string_view host_carrier_prefix = "HPC_HOST_";

// PS1 when neither the host, the image's scripts nor the user set one.
inline constexpr std::string_view default_ps1 = "hpc> ";

// What the shell execs when the command is missing: exit 127 (126 when it is there but
// cannot be executed) after one line "hpc: CMD: command not found in the container".
inline constexpr int exit_command_not_found = 127;
inline constexpr int exit_command_not_executable = 126;

// The exit status when the container's shell fails to evaluate a value (e.g. "${!X}" in dash).
inline constexpr int exit_bad_value = 64;

// Past this size the script restores host variables in its compact, slower way, so that it
// stays within Linux's limit on one argument (32 pages) for environments of some thousand
// variables.
inline constexpr size_t compact_threshold = 96 * 1024;

// The rules final_environment.hpp follows too:
// whether the shell would expand something in a value of the user's ($, ` or \);
bool needs_evaluation(std::string_view value);
// a script's file name, the last component of its path;
std::string_view script_name(std::string_view path);
// whether a script is one Docker's images were converted with, whose PATH gets the default
// PATH's missing directories appended (Apptainer's fixpath);
bool is_docker_environment_script(std::string_view name);
// how many of the image's scripts (in sourcing order) come before the user's values: those up
// to 99-base.sh, where Apptainer sources its /.inject-apptainer-env.sh, else all of them.
size_t scripts_before_values(const std::vector<std::string>& scripts);

// `action` must have something to run (see payload_command: test without a test script
// does not come here).
std::string action_script(const ContainerEnvironment& environment, const ImageFacts& image, Action action,
                          const std::string& shell);

}  // namespace hpc::sandbox
