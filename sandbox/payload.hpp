// The last steps of the payload's process: exec the command in the container with exactly
// the planned environment, no privileges to gain, default signal handling and only fds 0-2.
#pragma once

#include "sandbox/environment.hpp"

namespace hpc::sandbox {

// Does not return on success. Throws hpc::Error(command_not_found) or
// (command_not_executable) naming the command when exec fails.
[[noreturn]] void exec_payload(const PayloadCommand& command);

}  // namespace hpc::sandbox
