// The checks a reader can make on a squashfs's superblock alone, before libsquashfuse reads
// anything it points to. libsquashfuse reads (and allocates) each table's whole index when it
// opens the file system, sized by the superblock's counts, and trusts every position: a garbled
// count or start would cost memory, or read something else as the table, and fail only later,
// when the mounted image is asked for an owner or an inode (a bare EIO at staging).
#pragma once

#include "common/byte_source.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hpc::image {

// A squashfs file system lying at [offset, offset + size) of an open file.
struct SquashfsExtent {
    uint64_t offset = 0;
    uint64_t size = 0;
};

// The part of a squashfs its tables may lie in: after the superblock, before bytes_used.
struct SquashfsTableBounds {
    uint64_t end = 0;  // the superblock's bytes_used

    bool contain(uint64_t at, uint64_t size) const;
    std::string outside(uint64_t at) const;  // "at byte X, lies outside bytes 96 to END of the file system"
};

// Throws hpc::Error(data) "squashfs <table> table: <cause>".
[[noreturn]] void refuse_squashfs_table(std::string_view table, const std::string& cause);

// Magic, version, that the file system's own idea of its length fits the extent, and that the
// inode and directory tables start, and the id, fragment, export and xattr tables' indexes lie,
// inside it. Throws hpc::Error(data) naming the table: "squashfs id table: its index, ...".
void check_squashfs_superblock(const ByteSource& source, const SquashfsExtent& extent);

}  // namespace hpc::image
