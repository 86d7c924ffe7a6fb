// Running a program on the host during a build (%setup, copying with cp), in the build's own
// namespaces but outside any container, and waiting for it.
#pragma once

#include <string>
#include <vector>

namespace hpc::builder {

// Runs `argv` (PATH searched) with `environment` ("KEY=VALUE"), in `directory` ("": this
// process's own, where relative %files sources are). Returns its exit status. Throws hpc::Error(interrupted) when a signal that stops builds killed it, and
// hpc::Error(no_input) when the program cannot be started.
int run_host_command(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                     const std::string& directory = "");

// This process's environment, "KEY=VALUE" each, with `extra` added (or replacing).
std::vector<std::string> environment_with(const std::vector<std::string>& extra);

}  // namespace hpc::builder
