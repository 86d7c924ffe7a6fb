// Who holds an abstract unix socket name: the kernel's socket diagnostics (sock_diag(7)) say
// which user made the socket bound to it, where a connect says only that it refuses (bound, not
// listening) or has no room (a listener that does not accept). node_share.cpp asks, so that a
// name another user squats is told at once from one of this user's launches starting or going.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace hpc::sandbox {

// The uid (as this process's user namespace sees it) of the stream socket bound to the abstract
// name `name` (without its leading NUL) in this network namespace, listening or not; nullopt
// when no socket holds it or the kernel does not say (no UNIX_DIAG_UID before Linux 5.3).
std::optional<uid_t> abstract_socket_owner(const std::string& name);

}  // namespace hpc::sandbox
