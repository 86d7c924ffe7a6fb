// Starting the payload's process once the container is ready.
#pragma once

#include <sys/types.h>

#include <functional>

namespace hpc::sandbox {

// Runs `body` in a child that shares this process's memory until it execs, as posix_spawn(3)
// does (clone(2) with CLONE_VM | CLONE_VFORK): no address space is copied, and neither process
// faults its pages in again as copy-on-write afterwards. The calling thread waits until the
// child has exec'd or exited; other threads go on (the image's server answers the exec). The
// body must end in exec or _exit and must not return. With `new_pid_namespace` the child is
// PID 1 of a new PID namespace. Returns the child's pid. (The sanitized build copies the memory
// instead, as fork(2) does: see spawn.cpp.)
pid_t spawn_sharing_memory(const std::function<void()>& body, bool new_pid_namespace);

}  // namespace hpc::sandbox
