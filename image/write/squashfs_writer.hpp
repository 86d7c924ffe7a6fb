// Writing a squashfs from a directory tree (libsquashfs, squashfs-tools-ng): what `hpc build`
// packs into the SIF's system partition. The tree is walked once for its structure; file data
// then streams from the files through libsquashfs's block processor, which compresses blocks
// on every core and writes them in a fixed order, so the same tree and the same
// source_date_epoch give the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace hpc::image {

struct SquashfsWriteProgress {
    uint64_t files_done = 0, files_total = 0, bytes_done = 0, bytes_total = 0;
    // Written from an OCI image's layers (image/layers): the layer being read, counted from 1,
    // and how many; bytes are then the layers' stored (compressed) bytes, read twice (the tree,
    // then with `layer_data` the files' data). 0 for a directory.
    uint32_t layer = 0, layers = 0;
    bool layer_data = false;
};

struct SquashfsWriteOptions {
    std::string compression = "gzip";  // gzip, zstd, xz, lz4, lzo: refused with a clear message if this libsquashfs lacks it
    uint32_t block_size = 128 * 1024;  // a power of two from 4 KiB to 1 MiB
    unsigned threads = 0;              // 0: every CPU this process may use (sched_getaffinity)
    bool all_root = true;              // every file owned by 0:0; false: the owners as found (--fakeroot)
    std::optional<int64_t> source_date_epoch;  // reproducible: superblock time = epoch, inode times clamped to it
    // Called now and then while packing (files and bytes done), from the calling thread; may be empty.
    std::function<void(const SquashfsWriteProgress&)> progress;
};

struct SquashfsWriteResult {
    uint64_t size = 0;    // bytes written from `offset` on, padded to a multiple of 4 KiB
    uint64_t inodes = 0;
};

// Packs the tree at `source` (a directory) into a squashfs written to `fd` starting at byte `offset`
// (so that a SIF can hold it at its partition offset with no copy). Streams file data from the
// tree: no temporary copy of it. Throws hpc::Error naming the file and the cause: no_input for
// an unreadable source, cant_create for output failures, usage for bad options, os otherwise.
// `fd` must be a regular file open for reading and writing (libsquashfs reads back what it
// wrote to find duplicates). The file ends where the squashfs ends: on success it is cut at
// offset + size, and on failure at `offset`, so that no partial squashfs is left behind.
SquashfsWriteResult write_squashfs(const std::string& source, int fd, uint64_t offset,
                                   const SquashfsWriteOptions& options);

}  // namespace hpc::image
