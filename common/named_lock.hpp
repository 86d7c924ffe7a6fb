// A lock held on a file of its own: flock(2), because the kernel drops it when its holder dies
// however it dies. Across nodes an NFS client maps flock to NFS (POSIX byte-range) locks, so it
// holds between the clients of one server; Lustre honours it only when the clients mount with
// -o flock (-o localflock keeps it to one node, and without either flock fails with ENOSYS,
// which is said).
//
// A lock file is removed only by the holder of its lock. So that a process that opened it before
// then and waited does not go on holding a lock on a file no longer there while a third makes a
// new one, each acquirer checks after locking that the name still leads to the file it locked,
// and starts again when it does not.
#pragma once

#include "common/unique_fd.hpp"

#include <optional>
#include <string>

namespace hpc {

// The lock on `name` in `folder` (the file made 0600 when absent, never through a link), held by
// the descriptor returned; nullopt when another holds it and `wait` is false. `what` names it in
// errors ("cache lock PATH").
std::optional<UniqueFd> lock_named_file(int folder, const std::string& name, bool wait, const std::string& what);

// Whether a process holds the lock on `name` in `folder` now (false when there is no such file).
bool named_file_is_locked(int folder, const std::string& name);

}  // namespace hpc
