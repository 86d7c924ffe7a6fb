// A helper program the launcher runs (slirp4netns, fuse2fs, fuse-overlayfs) found as execvp(3)
// would find it: where the user's PATH says, since these need no privilege and a user may bring
// their own.
#pragma once

#include <optional>
#include <string>

namespace hpc::sandbox {

// The first executable regular file `name` in PATH's directories (or the default PATH where it
// is unset or empty); `name` itself where it holds a '/'. nullopt when there is none.
std::optional<std::string> find_program(const std::string& name);

}  // namespace hpc::sandbox
