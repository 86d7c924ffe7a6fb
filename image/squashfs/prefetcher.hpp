// Decompressing an opened file's blocks before the kernel asks for them. A process that execs
// a binary or maps a library faults its pages in an order the kernel's readahead cannot
// guess, and each fault would wait for one block to be read and decompressed in turn. Here
// the blocks are decompressed on threads of their own, in parallel, into the shared block
// cache, while the process is still starting; a read that arrives first simply decodes the
// block itself (and a prefetch thread that arrives second skips it), so nothing is decoded
// twice. Work stops as soon as the file is closed, so a file opened to read a header costs
// little more than that header.
#pragma once

#include "image/squashfs/block_cache.hpp"
#include "image/squashfs/squashfs_volume.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hpc::image {

class Prefetcher {
public:
    using VolumeFactory = std::function<std::unique_ptr<SquashfsVolume>()>;

    // Up to `max_threads` threads, each reading through its own volume from `make_volume`,
    // started one at a time while there is more work than idle threads. Each inherits the
    // signal mask of the thread that starts it: a FUSE worker's or another prefetch thread's,
    // which block every signal. `offset`: the squashfs's, for cache keys.
    Prefetcher(BlockCache& cache, VolumeFactory make_volume, uint64_t offset, unsigned max_threads);
    ~Prefetcher();  // drops queued work, waits for blocks being decoded
    Prefetcher(const Prefetcher&) = delete;
    Prefetcher& operator=(const Prefetcher&) = delete;

    // Queues a file's blocks, decoded in order for as long as `open` stays true. Holes are
    // skipped. Dropped when too much is queued already: prefetching is only ever a bonus.
    void enqueue(std::vector<BlockLocation> blocks, std::shared_ptr<const std::atomic<bool>> open);

private:
    struct Job {
        std::vector<BlockLocation> blocks;
        std::shared_ptr<const std::atomic<bool>> open;
        std::size_t next = 0;  // the next block to take, under mutex_
    };
    static constexpr std::size_t max_jobs = 1024;

    void run();
    void grow_locked();  // starts one more thread if allowed; mutex_ held
    void stop() noexcept;

    BlockCache& cache_;
    VolumeFactory make_volume_;
    uint64_t offset_;
    unsigned max_threads_;
    unsigned idle_ = 0;  // threads waiting for work, under mutex_
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Job>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace hpc::image
