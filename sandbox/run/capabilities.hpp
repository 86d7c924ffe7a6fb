// --no-privs: a payload that keeps no capability, whatever its uid in the container. Root in a
// user namespace (--fakeroot) holds every capability over that namespace; execve(2) gives a
// root process its bounding set and inheritable set (capabilities(7)), so both are emptied, and
// the ambient set with them, before the exec.
#pragma once

namespace hpc::sandbox {

// Throws hpc::Error naming the step that failed.
void drop_every_capability();

}  // namespace hpc::sandbox
