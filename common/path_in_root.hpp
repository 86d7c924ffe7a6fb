// Resolving a path inside a container root as the kernel would after chroot(2): ".." never
// climbs above the root and an absolute symlink starts again at the root. A bind destination
// like /var/run/x, where the image has /var/run -> /run, must land on the image's /run/x and
// never on the host's. The file system is asked through a callback, so the walk is pure and
// serves both a mounted tree (readlinkat) and an unmounted image (libsquashfuse).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hpc {

// Given a resolved absolute path inside the root (no symlinks in its parents), returns the
// target of that path when it is a symlink, and nullopt when it is anything else or missing.
using ReadLinkInRoot = std::function<std::optional<std::string>(const std::string& path)>;

// The absolute, normalised path that `path` names inside the root, every symlink followed
// (the last one too). Components that do not exist are kept, so a missing mount point can
// still be made. Throws hpc::Error (ELOOP) after 40 symlinks, as the kernel does.
std::string resolve_in_root(std::string_view path, const ReadLinkInRoot& read_link);

// "/a/./b//c/" -> "/a/b/c"; ".." is resolved lexically and never climbs above "/".
std::string normalize_absolute(std::string_view path);

// `path` as an absolute, normalised path: itself when absolute, else taken from `cwd`.
std::string absolute_from(std::string_view cwd, std::string_view path);

}  // namespace hpc
