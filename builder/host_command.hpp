// Running a program on the host during a build (%setup, copying with cp), in the build's own
// namespaces but outside any container, and waiting for it.
#pragma once

#include <string>
#include <vector>

namespace hpc::builder {

struct HostCommandOptions {
    bool ownership_ignored = false;  // --fakeroot in one id: under the ownership filter
    bool own_pid_namespace = false;  // in a PID namespace of its own, where it may mount a /proc
};

// Runs `argv` (PATH searched) with `environment` ("KEY=VALUE") in this process's working
// directory, where relative %files sources are. Returns its exit status (128+N for signal N).
// Throws hpc::Error(interrupted) when a signal that stops builds ended it.
int run_host_command(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                     const HostCommandOptions& options = {});

// This process's environment, "KEY=VALUE" each, with `extra` added (or replacing).
std::vector<std::string> environment_with(const std::vector<std::string>& extra);

}  // namespace hpc::builder
