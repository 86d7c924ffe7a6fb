// The shared cache of decompressed squashfs blocks (data blocks and fragment blocks), keyed by
// where the block lies in the image file. libsquashfuse 0.1.105 keeps one data block per
// handle and nothing across handles, so without this a binary's blocks are decompressed again
// each time the kernel asks for them (ch-run decompresses busybox's blocks about twice to exec
// it). Here a block is decompressed once while it is hot: a second thread asking for a block
// that is being decompressed waits for that result instead of decompressing it too.
//
// Bounded by bytes, least recently used first out. Decompression happens outside the lock;
// the lock covers only the map and the recency list, so one mutex is enough for the rates FUSE
// delivers (each request costs two context switches, far more than a map lookup).
#pragma once

#include "image/squashfs/block_arena.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace hpc::image {

// Gives a block's memory back to where it came from: its arena, or malloc.
struct BlockRelease {
    BlockArena* arena = nullptr;
    void operator()(char* memory) const {
        if (arena)
            arena->release(memory);
        else
            std::free(memory);
    }
};

// One decompressed block: memory from malloc, or a slot of a BlockArena it goes back to.
class Block {
public:
    Block() = default;
    Block(char* malloced, std::size_t size) : data_(malloced), size_(size) {}
    Block(char* slot, std::size_t size, BlockArena& arena) : data_(slot, BlockRelease{&arena}), size_(size) {}
    static Block copy_of(std::string_view bytes);

    const char* data() const { return data_.get(); }
    std::size_t size() const { return size_; }

private:
    std::unique_ptr<char, BlockRelease> data_;
    std::size_t size_ = 0;
};

struct BlockCacheStats {
    uint64_t decoded = 0;         // blocks decompressed (each a miss that did the work)
    uint64_t decoded_bytes = 0;   // their decompressed size
    uint64_t decoded_ahead = 0;   // of those, decoded by warm() before anyone asked
    uint64_t decoded_again = 0;   // of those, blocks served whole lately (the last 4096): the
                                  // kernel asked again for bytes it had been sent
    uint64_t hits = 0;            // requests answered from a cached block
    uint64_t joined = 0;          // requests that waited for another thread's decompression
    uint64_t failed = 0;          // decompressions that threw (corrupt data)
    uint64_t evicted = 0;         // blocks dropped to stay under the bound
    uint64_t delivered = 0;       // blocks dropped once as many bytes as they hold were served
    uint64_t resident_bytes = 0;  // bytes held now
    uint64_t peak_resident_bytes = 0;
};

class BlockCache {
public:
    explicit BlockCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}
    BlockCache(const BlockCache&) = delete;
    BlockCache& operator=(const BlockCache&) = delete;

    // The block at `key`, calling `decode()` (which returns a Block or throws) only when no
    // thread holds or is producing it. A decode failure reaches every thread that waited for
    // it and is not remembered: the next request tries again.
    template <typename Decode>
    std::shared_ptr<const Block> get(uint64_t key, Decode&& decode) {
        Claim claim = find_or_claim(key);
        if (claim.block) return std::move(claim.block);
        if (!claim.producer) return claim.pending.get();  // rethrows the producer's failure
        try {
            auto block = std::make_shared<const Block>(decode());
            finish(key, claim, block);
            return block;
        } catch (...) {
            fail(key, claim, std::current_exception());
            throw;
        }
    }

    // Decodes the block at `key` ahead of need, unless it is cached or being decoded already;
    // touches neither the hit counts nor the recency of a cached block. Returns whether it
    // decoded; a failure is left for the reader who needs the block to meet.
    template <typename Decode>
    bool warm(uint64_t key, Decode&& decode) {
        Claim claim = find_or_claim(key, false);
        if (!claim.producer) return false;  // cached, on its way, or served lately
        try {
            finish(key, claim, std::make_shared<const Block>(decode()), true);
            return true;
        } catch (...) {
            fail(key, claim, std::current_exception());
            return false;
        }
    }

    // Counts `bytes` of the cached block at `key` as served to a reader. Once as many bytes as
    // it holds have been, the block leaves the cache: for a FUSE server the kernel's page cache
    // of the mount has them now (for as long as it keeps them: a block it asks for again is
    // decoded again, as the kernel's own squashfs would), and no second copy of a read file
    // stays in the server. warm() then leaves the block alone for a while: a prefetch that comes
    // after the reader would only decode it for nothing.
    void served(uint64_t key, std::size_t bytes);

    BlockCacheStats stats() const;
    std::size_t capacity() const { return capacity_; }

private:
    using Pending = std::shared_future<std::shared_ptr<const Block>>;
    struct Entry {
        std::shared_ptr<const Block> block;  // null while being decoded
        Pending pending;
        std::list<uint64_t>::iterator recency;  // valid once decoded
        std::size_t served = 0;                 // bytes handed to readers so far
    };
    struct Claim {
        std::shared_ptr<const Block> block;  // a hit
        Pending pending;                     // someone else's decode, or ours
        bool producer = false;               // we must decode and fulfil `promise`
        std::shared_ptr<std::promise<std::shared_ptr<const Block>>> promise;
    };

    Claim find_or_claim(uint64_t key, bool use = true);  // `use`: count and refresh a hit
    void finish(uint64_t key, Claim& claim, const std::shared_ptr<const Block>& block, bool ahead = false);
    void fail(uint64_t key, Claim& claim, std::exception_ptr error);
    void evict_over_capacity();  // with mutex_ held
    void drop(std::unordered_map<uint64_t, Entry>::iterator entry);  // a decoded one; mutex_ held

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<uint64_t, Entry> entries_;
    std::list<uint64_t> recency_;  // most recently used first
    static constexpr std::size_t remembered_deliveries = 4096;
    std::unordered_set<uint64_t> delivered_;  // keys of blocks served whole lately: warm(), decoded_again
    std::deque<uint64_t> delivery_order_;     // the same, oldest first, to forget them
    BlockCacheStats stats_;
};

}  // namespace hpc::image
