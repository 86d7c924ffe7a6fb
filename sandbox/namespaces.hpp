// Entering the container's namespaces: a new user namespace (so an ordinary user holds
// capabilities over what follows), a mount namespace, and on request IPC and PID namespaces.
#pragma once

#include "sandbox/launch_plan.hpp"

namespace hpc::sandbox {

// unshare(2)s the namespaces the plan asks for and writes the id maps. The calling process
// must still be single-threaded (a user namespace requires it). With a PID namespace, the
// next child forked becomes its PID 1. Throws hpc::Error(unavailable) when the kernel or
// the host's settings refuse unprivileged user namespaces, saying which setting to check.
void enter_namespaces(const LaunchPlan& plan);

}  // namespace hpc::sandbox
