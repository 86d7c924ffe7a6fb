// What ends a lingering server at once (launcher.hpp's serve_lingering): its image file changed.
// A rebuilt image is a new identity, which new launches meet under another name; the old server
// must not keep the old file's blocks in memory for nobody.
#pragma once

#include "common/unique_fd.hpp"

namespace hpc::launch {

// An inotify descriptor that becomes readable when the file open as `image` is written, has its
// attributes changed, or loses a name (removed, or replaced by a rename over it: its link count
// changes). Throws hpc::Error(os) when inotify cannot be had.
UniqueFd watch_image_file(int image);

}  // namespace hpc::launch
