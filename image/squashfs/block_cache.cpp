#include "image/squashfs/block_cache.hpp"

#include <cstring>
#include <new>

namespace hpc::image {

Block Block::copy_of(std::string_view bytes) {
    // malloc(0) may return null; keep a valid pointer for empty blocks too.
    auto* memory = static_cast<char*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
    if (!memory) throw std::bad_alloc();
    if (!bytes.empty()) std::memcpy(memory, bytes.data(), bytes.size());
    return Block(memory, bytes.size());
}

BlockCache::Claim BlockCache::find_or_claim(uint64_t key, bool use) {
    Claim claim;
    std::lock_guard lock(mutex_);
    auto found = entries_.find(key);
    if (!use && (found != entries_.end() || delivered_.count(key))) return claim;
    if (found != entries_.end()) {
        Entry& entry = found->second;
        if (entry.block) {
            ++stats_.hits;
            recency_.splice(recency_.begin(), recency_, entry.recency);
            claim.block = entry.block;
        } else {
            ++stats_.joined;
            claim.pending = entry.pending;
        }
        return claim;
    }
    claim.producer = true;
    claim.promise = std::make_shared<std::promise<std::shared_ptr<const Block>>>();
    claim.pending = claim.promise->get_future().share();
    entries_.emplace(key, Entry{nullptr, claim.pending, {}});
    return claim;
}

void BlockCache::finish(uint64_t key, Claim& claim, const std::shared_ptr<const Block>& block, bool ahead) {
    {
        std::lock_guard lock(mutex_);
        Entry& entry = entries_.at(key);
        entry.block = block;
        entry.pending = {};
        recency_.push_front(key);
        entry.recency = recency_.begin();
        ++stats_.decoded;
        if (ahead) ++stats_.decoded_ahead;
        if (delivered_.count(key)) ++stats_.decoded_again;
        stats_.decoded_bytes += block->size();
        stats_.resident_bytes += block->size();
        evict_over_capacity();
        if (stats_.resident_bytes > stats_.peak_resident_bytes) stats_.peak_resident_bytes = stats_.resident_bytes;
    }
    claim.promise->set_value(block);
}

void BlockCache::fail(uint64_t key, Claim& claim, std::exception_ptr error) {
    {
        std::lock_guard lock(mutex_);
        entries_.erase(key);
        ++stats_.failed;
    }
    claim.promise->set_exception(std::move(error));
}

void BlockCache::evict_over_capacity() {
    // Readers still holding an evicted block keep it alive through their shared_ptr; the
    // bound is on what the cache holds, and in-flight reads add at most one request's blocks
    // per worker thread.
    while (stats_.resident_bytes > capacity_ && !recency_.empty()) {
        drop(entries_.find(recency_.back()));
        ++stats_.evicted;
    }
}

void BlockCache::drop(std::unordered_map<uint64_t, Entry>::iterator entry) {
    recency_.erase(entry->second.recency);
    stats_.resident_bytes -= entry->second.block->size();
    entries_.erase(entry);
}

void BlockCache::served(uint64_t key, std::size_t bytes) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(key);
    if (found == entries_.end() || !found->second.block) return;  // evicted meanwhile
    found->second.served += bytes;
    if (found->second.served < found->second.block->size()) return;
    drop(found);
    ++stats_.delivered;
    if (!delivered_.insert(key).second) return;
    delivery_order_.push_back(key);
    if (delivery_order_.size() > remembered_deliveries) {
        delivered_.erase(delivery_order_.front());
        delivery_order_.pop_front();
    }
}

BlockCacheStats BlockCache::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

}  // namespace hpc::image
