// ImageTree over a directory image (a sandbox), through *at() calls relative to the image's
// directory fd. Every path is resolved inside the image root first, so a symlink such as
// ../../../etc names the image's /etc and never the host's.
#pragma once

#include "image/tree/image_tree.hpp"

#include <memory>

namespace hpc::image {

// Uses a duplicate of `directory_fd` (an O_DIRECTORY descriptor of the image root).
std::unique_ptr<ImageTree> open_directory_tree(int directory_fd);

}  // namespace hpc::image
