#include "image/squashfs/prefetcher.hpp"

#include "common/error.hpp"

#include <system_error>

namespace hpc::image {

Prefetcher::Prefetcher(BlockCache& cache, VolumeFactory make_volume, uint64_t offset, unsigned max_threads)
    : cache_(cache), make_volume_(std::move(make_volume)), offset_(offset), max_threads_(max_threads) {}

Prefetcher::~Prefetcher() { stop(); }

void Prefetcher::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;  // from here on enqueue() starts nobody, so threads_ stays as it is
        jobs_.clear();
    }
    wake_.notify_all();
    for (std::thread& thread : threads_)
        if (thread.joinable()) thread.join();
}

void Prefetcher::enqueue(std::vector<BlockLocation> blocks, std::shared_ptr<const std::atomic<bool>> open) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || jobs_.size() >= max_jobs) return;
        jobs_.push_back(std::make_shared<Job>(Job{std::move(blocks), std::move(open)}));
        // Only the first thread is started here, on the FUSE worker answering the open; the
        // prefetch threads start the others, so that the open is not kept waiting.
        if (threads_.empty()) grow_locked();
    }
    wake_.notify_all();  // every thread may take a block of the same file
}

void Prefetcher::grow_locked() {
    if (stopping_ || threads_.size() >= max_threads_) return;
    try {
        threads_.emplace_back([this] { run(); });  // inherits the caller's blocked signals
    } catch (const std::system_error&) {
        // No thread now: the running ones, or the readers themselves, do the work.
    }
}

void Prefetcher::run() {
    std::unique_ptr<SquashfsVolume> volume;
    try {
        volume = make_volume_();
    } catch (const std::exception&) {
        return;  // prefetching is only ever a bonus
    }
    for (;;) {
        std::shared_ptr<Job> job;
        std::size_t index = 0;
        {
            std::unique_lock lock(mutex_);
            ++idle_;
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            --idle_;
            if (stopping_) return;
            job = jobs_.front();
            index = job->next++;
            bool closed = !job->open->load(std::memory_order_relaxed);
            if (closed || job->next >= job->blocks.size()) jobs_.pop_front();
            if (!jobs_.empty() && idle_ == 0) grow_locked();  // more work than hands
            if (closed || index >= job->blocks.size()) continue;
        }
        const BlockLocation& block = job->blocks[index];
        if (block.kind == BlockLocation::Kind::sparse) continue;
        cache_.warm(offset_ + block.position, [&] { return volume->read_block(block.position, block.header); });
    }
}

}  // namespace hpc::image
