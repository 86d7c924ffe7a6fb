// Using what was checked. A path that is checked (realpath, a site policy, an owner) and then
// opened or mounted again by name is a race: between the two, anyone who can write one of its
// directories may put a symlink in its way (a TOCTOU). These open a path once, check that the
// descriptor is the object at exactly that path (no symlink followed on the way), and hand the
// descriptor on, so that callers act through it: *at() calls, or /proc/self/fd/N for mount(2).
#pragma once

#include "common/unique_fd.hpp"

#include <string>

namespace hpc {

// The path the kernel gives for what `fd` refers to, from /proc/self/fd (as seen from this
// process's root). Throws hpc::Error naming `what` when it cannot be read, or when the object
// is no longer reachable by a path (deleted).
std::string descriptor_path(int fd, const std::string& what);

// "/proc/self/fd/N": a path that reaches the very object `fd` refers to, for calls that take
// no descriptor (mount(2)'s source and target).
std::string descriptor_link(int fd);

// Opens the absolute, canonical `path` with O_PATH | O_CLOEXEC | `flags` (O_DIRECTORY, O_NOFOLLOW,
// ...), and checks that the descriptor's own path is `path`: had a symlink been followed anywhere
// on the way, the object reached would live at another path. Throws hpc::Error: the errno's
// exit code when the open fails, `denied` when the path led elsewhere ("<what>: <path> changed
// while hpc used it: it now leads to <other>").
UniqueFd open_exact(const std::string& path, int flags, const std::string& what);

}  // namespace hpc
