// The last steps of the payload's process: exec the command in the container with exactly
// the planned environment, no privileges to gain, default signal handling and only fds 0-2.
#pragma once

#include "sandbox/environment/environment.hpp"

namespace hpc::sandbox {

// Does not return on success. Throws hpc::Error(command_not_found) or
// (command_not_executable) naming the command when exec fails.
// With `ownership_ignored`, the ownership filter (ownership_filter.hpp) is installed first.
[[noreturn]] void exec_payload(const PayloadCommand& command, bool ownership_ignored);

}  // namespace hpc::sandbox
