// The checks a reader can make on a squashfs's superblock alone, before libsquashfuse reads
// anything it points to. libsquashfuse reads (and allocates) each table's whole index when it
// opens the file system, sized by the superblock's counts, and trusts every position: a garbled
// count or start would cost memory, or read something else as the table, and fail only later,
// when the mounted image is asked for an owner or an inode (a bare EIO at staging).
#pragma once

#include "image/byte_source.hpp"

#include <cstdint>

namespace hpc::image {

// A squashfs file system lying at [offset, offset + size) of an open file.
struct SquashfsExtent {
    uint64_t offset = 0;
    uint64_t size = 0;
};

// Magic, version, that the file system's own idea of its length fits the extent, and that the
// inode and directory tables start, and the id, fragment, export and xattr tables' indexes lie,
// inside it. Throws hpc::Error(data) naming the table: "squashfs id table: its index, ...".
void check_squashfs_superblock(const ByteSource& source, const SquashfsExtent& extent);

}  // namespace hpc::image
