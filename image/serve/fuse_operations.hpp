// The FUSE low-level operations of the squashfs server (libfuse3; fuse_operations.cpp, with
// listings in fuse_directories.cpp), written for many worker threads: not libsquashfuse_ll's
// sqfs_ll_op_*, whose handle and caches are shared and unlocked. Every operation reads
// through the calling worker's own SquashfsVolume and shares only thread-safe state
// (ServeContext). A corrupt image fails the one request (EIO), never the server; the server
// counts such failures and keeps the first one's cause (ServeContext::failures).
#pragma once

#include "image/squashfs/block_cache.hpp"
#include "image/squashfs/cached_file_reader.hpp"
#include "image/serve/image_change.hpp"
#include "image/serve/inode_map.hpp"
#include "image/serve/owner_ids.hpp"
#include "image/squashfs/prefetcher.hpp"
#include "image/serve/serve_failures.hpp"
#include "image/squashfs/squashfs_volume.hpp"
#include "image/serve/synthetic_entries.hpp"

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>

struct fuse_lowlevel_ops;

namespace hpc::image {

struct ServeContext {
    // `probe` is any volume of the image: it gives the geometry and the root.
    ServeContext(SquashfsVolume& probe, std::size_t cache_bytes, uint64_t image_offset);

    BlockCache cache;
    InodeMap inodes;
    SyntheticEntries synthetic;
    CachedFileReader reader;

    uint32_t block_size;
    uint64_t bytes_used;
    uint32_t inode_count;
    bool has_xattrs;

    // Synthetic entries belong to the mounting user (ids as seen where the mount was made).
    uid_t owner_uid = 0;
    gid_t owner_gid = 0;
    // Image owners outside these are shown as the mounting user (ServeOptions::mapped_uids).
    IdRanges shown_uids = IdRanges::all();
    IdRanges shown_gids = IdRanges::all();
    timespec made{};
    unsigned max_background = 64;  // asynchronous (readahead) requests the kernel may queue
    bool opens_skipped = false;    // the kernel sends no open(dir) or release(dir) (FUSE_CAP_NO_OPEN*_SUPPORT)
    Prefetcher* prefetcher = nullptr;   // none: no prefetching
    uint64_t prefetch_bytes = 0;        // how much of an opened file to decode ahead
    // The image file changed in place since it was opened: every request fails from then on.
    // None: nothing is watched (a test's context).
    ImageChange* change = nullptr;

    std::atomic<uint64_t> lookup_requests{0};
    std::atomic<uint64_t> getattr_requests{0};
    std::atomic<uint64_t> read_requests{0};
    std::atomic<uint64_t> bytes_served{0};
    ServeFailureLog failures;  // requests answered EIO or ENOMEM: the image or hpc failed
};

// Sets the volume the calling thread's operations use: each worker thread its own.
void set_worker_volume(SquashfsVolume* volume);

// The operation table for fuse_session_new; its userdata must be a ServeContext.
const fuse_lowlevel_ops& squashfs_operations();

}  // namespace hpc::image
