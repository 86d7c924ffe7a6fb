// ImageTree over a squashfs (a SIF partition or a bare file) read in place through
// libsquashfuse at the partition's offset: nothing is mounted or extracted.
#pragma once

#include "image/tree/image_tree.hpp"

#include <cstdint>
#include <memory>

namespace hpc::image {

// Reads the squashfs at `offset` of `fd` (duplicated: the tree may outlive the caller's fd).
// Throws hpc::Error(data) when the file system is corrupt or unsupported.
std::unique_ptr<ImageTree> open_squashfs_tree(int fd, uint64_t offset);

}  // namespace hpc::image
