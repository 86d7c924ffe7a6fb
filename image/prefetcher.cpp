#include "image/prefetcher.hpp"

#include "common/error.hpp"

#include <system_error>

namespace hpc::image {

Prefetcher::Prefetcher(BlockCache& cache, int fd, uint64_t offset, unsigned threads) : cache_(cache), offset_(offset) {
    for (unsigned i = 0; i < threads; ++i) volumes_.push_back(std::make_unique<SquashfsVolume>(fd, offset));
    try {
        for (auto& volume : volumes_) threads_.emplace_back([this, &volume] { run(*volume); });
    } catch (const std::system_error& error) {
        stop();
        throw Error(ExitCode::os, std::string("starting prefetch threads: ") + error.what(), error.code().value());
    }
}

Prefetcher::~Prefetcher() { stop(); }

void Prefetcher::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    wake_.notify_all();
    for (std::thread& thread : threads_)
        if (thread.joinable()) thread.join();
    threads_.clear();
}

void Prefetcher::enqueue(std::vector<BlockLocation> blocks, std::shared_ptr<const std::atomic<bool>> open) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || jobs_.size() >= max_jobs) return;
        jobs_.push_back(std::make_shared<Job>(Job{std::move(blocks), std::move(open)}));
    }
    wake_.notify_all();  // every thread may take a block of the same file
}

void Prefetcher::run(SquashfsVolume& volume) {
    for (;;) {
        std::shared_ptr<Job> job;
        std::size_t index = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = jobs_.front();
            index = job->next++;
            bool closed = !job->open->load(std::memory_order_relaxed);
            if (closed || job->next >= job->blocks.size()) jobs_.pop_front();
            if (closed || index >= job->blocks.size()) continue;
        }
        const BlockLocation& block = job->blocks[index];
        if (block.kind == BlockLocation::Kind::sparse) continue;
        cache_.warm(offset_ + block.position, [&] { return volume.read_block(block.position, block.header); });
    }
}

}  // namespace hpc::image
