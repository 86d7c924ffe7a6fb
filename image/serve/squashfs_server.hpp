// Serving a squashfs root through FUSE, in-process: no squashfuse or fusermount process, no
// extraction, no copy. The image is immutable, so the kernel may cache entries, attributes
// and pages for the life of the mount, and a shared cache of decompressed blocks means no
// block is decompressed twice while it is hot. Worker threads each own what libsquashfuse
// mutates (its decoder and metadata caches); what they share is thread-safe: the block cache
// (locked), the inode table (lock-free), the synthetic entries (read-write locked).
//
// Until seal(), mkdir and mknod (regular files only) create empty synthetic entries that
// exist only in this server: they are the mount points a container needs where the image
// has none, made without writing the image. After seal() the tree is read-only (EROFS).
#pragma once

#include "image/tree/image_file.hpp"
#include "image/serve/owner_ids.hpp"
#include "image/serve/serve_failures.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hpc::image {

struct ServeOptions {
    unsigned threads = 0;                   // 0: one per CPU this process may use, at least 2
    std::size_t block_cache_bytes = 64 << 20;  // decompressed data blocks and fragments kept
    // How much of a file larger than one block to decompress ahead, on threads of its own,
    // when it is opened (image/squashfs/prefetcher.hpp); 0 turns prefetching off.
    std::size_t prefetch_bytes = 8 << 20;
    // Threads for that. 0: one per CPU beyond the first two, at most 16, so none on a
    // two-CPU machine, where they would only compete with the workers and the payload.
    unsigned prefetch_threads = 0;
    bool allow_other = false;               // let other ids (subordinate ones) use the mount
    // The user and group ids the mount's user namespace maps (its ids inside). Image files owned
    // by any other id are shown as the mounting user's, as Apptainer shows them: the kernel
    // refuses to create anything in a directory whose owner it cannot map (fs/namei.c,
    // HAS_UNMAPPED_ID), which would make mount points under an ordinary image's root-owned
    // directories impossible for an unprivileged user. Empty: every owner is shown as it is.
    std::vector<IdRange> mapped_uids;
    std::vector<IdRange> mapped_gids;
    // The file holds a partition written while it is served (a SIF's own overlay, --writable):
    // its modification time changes by design, and a change in place is told by its size and
    // the squashfs's superblock (image_change.hpp).
    bool written_in_place = false;
};

// What the server has done so far: for tests and benchmarks.
struct ServeStats {
    uint64_t blocks_decoded = 0;   // data and fragment blocks decompressed
    uint64_t decoded_bytes = 0;
    uint64_t blocks_decoded_ahead = 0;  // of blocks_decoded, by the prefetcher
    uint64_t blocks_decoded_again = 0;  // of blocks_decoded, after the kernel had been sent them whole
    uint64_t cache_hits = 0;       // block requests answered from the cache
    uint64_t cache_joins = 0;      // block requests that waited for another thread's decompression
    uint64_t cache_evictions = 0;
    uint64_t cache_resident_bytes = 0;
    uint64_t cache_peak_bytes = 0;
    uint64_t lookup_requests = 0;
    uint64_t getattr_requests = 0;
    uint64_t read_requests = 0;    // FUSE reads
    uint64_t bytes_served = 0;
    unsigned threads = 0;          // worker threads serving the mount
};

class SquashfsServer {
public:
    // Reads and checks the superblock at the image's squashfs extent; throws hpc::Error(data)
    // naming the image for a corrupt or unsupported file system. Mounts nothing.
    SquashfsServer(const ImageFile& image, ServeOptions options = {});
    ~SquashfsServer();  // stops the workers and detaches the mount if still mounted
    SquashfsServer(const SquashfsServer&) = delete;
    SquashfsServer& operator=(const SquashfsServer&) = delete;

    // Mounts the file system at `mountpoint` with mount(2) on /dev/fuse (the caller must be
    // allowed to mount there, e.g. in its own user and mount namespace) and starts the worker
    // threads. The mount is writable only for synthetic entries, until seal(); the caller
    // remounts it read-only once its mount points exist. Permissions are not checked by the
    // kernel (no default_permissions): the image's files are owned by ids the user namespace
    // does not map, and the user may read the whole image file anyway. Worker threads block
    // every signal: the caller's main thread handles them.
    // Throws hpc::Error: /dev/fuse missing or not accessible (unavailable, with what a site
    // must do), mount refused (the errno).
    void mount(const std::string& mountpoint);

    // No more synthetic entries; mkdir and mknod fail with EROFS from now on. The file system
    // is also remounted read-only (its superblock, keeping nosuid and nodev), so that the
    // kernel refuses writes itself and keeps attributes across reads: call seal() before
    // changing the mount's own flags. The remount is an optimisation and may fail quietly
    // (EROFS holds either way).
    void seal();

    ServeStats stats() const;

    // The requests it answered EIO or ENOMEM because the image or hpc failed, and the first
    // one's cause (serve_failures.hpp); safe to ask while it serves. Every process reading the
    // mount counts, whichever launch it belongs to.
    ServeFailures failures() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace hpc::image
