// The checks hpc makes on an ext2/3/4 file system (an overlay image, Apptainer's `overlay create`
// or a SIF's overlay partition) before handing it to fuse2fs: that it is one, and that it fits the
// bytes it lies in, so that a truncated or foreign file is refused in one line, not by a FUSE
// server that fails half-way through a launch.
#pragma once

#include "common/byte_source.hpp"

#include <cstdint>

namespace hpc::image {

// The superblock of the ext file system at [offset, offset + size) of `source`: its magic, a block
// size ext allows (1 KiB to 64 KiB), and a block count that fits the extent. Throws
// hpc::Error(data) "not an ext2/3/4 file system", or the field that is wrong.
void check_ext_superblock(const ByteSource& source, uint64_t offset, uint64_t size);

// Whether the bytes at `offset` start an ext file system (its magic alone).
bool has_ext_magic(const ByteSource& source, uint64_t offset);

}  // namespace hpc::image
