// Entering the container's namespaces: a new user namespace (so an ordinary user holds
// capabilities over what follows), a mount namespace, and on request IPC and PID namespaces.
#pragma once

#include "sandbox/launch_plan.hpp"

#include <sys/types.h>

namespace hpc::sandbox {

// unshare(2)s the namespaces the plan asks for, but the PID namespace, and writes the id
// maps. The calling process must still be single-threaded (a user namespace requires it).
// Throws hpc::Error(unavailable) when the kernel or
// the host's settings refuse unprivileged user namespaces, saying which setting to check.
void enter_namespaces(const LaunchPlan& plan);

// fork(2); with `new_pid_namespace`, a child that is PID 1 of a new PID namespace. The
// launcher cannot unshare(CLONE_NEWPID) itself: a process that has may create no more
// threads (clone(2): EINVAL), and the launcher's FUSE server needs them.
pid_t fork_payload(bool new_pid_namespace);

}  // namespace hpc::sandbox
