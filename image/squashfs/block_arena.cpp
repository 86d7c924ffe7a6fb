#include "image/squashfs/block_arena.hpp"

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <new>

namespace hpc::image {

namespace {

constexpr std::size_t huge_page = 2 << 20;

std::mutex registry_mutex;
std::map<std::size_t, std::unique_ptr<BlockArena>>& registry() {
    static auto* arenas = new std::map<std::size_t, std::unique_ptr<BlockArena>>();  // outlives every thread
    return *arenas;
}

// Maps `length` bytes and faults them in with one call rather than a trap per page (Linux
// 5.14 and later; older kernels fault as they go).
char* map_populated(std::size_t length, int advice_before) {
    void* address = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (address == MAP_FAILED) throw std::bad_alloc();
    if (advice_before) ::madvise(address, length, advice_before);
    ::madvise(address, length, MADV_POPULATE_WRITE);
    return static_cast<char*>(address);
}

}  // namespace

// Around fork(2): every arena is locked so that none is caught mid-change, and in the child,
// whose copy lacks the chunks (MADV_DONTFORK), every arena forgets them.
struct ArenaForkHandlers {
    static void prepare() {
        registry_mutex.lock();
        for (auto& [size, arena] : registry()) arena->mutex_.lock();
    }
    static void parent() {
        for (auto& [size, arena] : registry()) arena->mutex_.unlock();
        registry_mutex.unlock();
    }
    static void child() {
        for (auto& [size, arena] : registry()) {
            arena->free_.clear();
            arena->chunks_.clear();
            arena->mutex_.unlock();
        }
        registry_mutex.unlock();
    }
};

BlockArena& BlockArena::for_slot_size(std::size_t slot_size) {
    static const int registered =
        ::pthread_atfork(ArenaForkHandlers::prepare, ArenaForkHandlers::parent, ArenaForkHandlers::child);
    (void)registered;
    std::lock_guard lock(registry_mutex);
    std::unique_ptr<BlockArena>& arena = registry()[slot_size];
    if (!arena) arena = std::make_unique<BlockArena>(slot_size);
    return *arena;
}

BlockArena::~BlockArena() {
    for (const Chunk& chunk : chunks_) ::munmap(chunk.address, chunk.length);
}

void BlockArena::add_chunk() {
    // An arena's first chunk is one slot of ordinary pages: a launch that reads a few small
    // files before it is served (the planner's passwd and environment scripts, one block) then
    // never zero-fills a huge page for them. A server that reads on gets huge-page chunks.
    if (chunks_.empty()) {
        char* slot = map_populated(slot_size_, MADV_DONTFORK);
        chunks_.push_back({slot, slot_size_, 1});
        free_.push_back(slot);
        return;
    }
    std::size_t chunk = std::max(huge_page, slot_size_);
    // Twice the size, so that a huge-page-aligned chunk fits in whatever address comes back.
    std::size_t mapped = chunk + huge_page;
    void* address = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (address == MAP_FAILED) throw std::bad_alloc();
    chunks_.push_back({address, mapped, chunk / slot_size_});
    ::madvise(address, mapped, MADV_DONTFORK);
    auto aligned = (reinterpret_cast<std::uintptr_t>(address) + huge_page - 1) & ~(huge_page - 1);
    char* start = reinterpret_cast<char*>(aligned);
    ::madvise(start, chunk, MADV_HUGEPAGE);  // advice only: refused where huge pages are off
    ::madvise(start, chunk, MADV_POPULATE_WRITE);
    for (std::size_t offset = 0; offset + slot_size_ <= chunk; offset += slot_size_) free_.push_back(start + offset);
}

char* BlockArena::allocate() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) add_chunk();
    char* slot = free_.back();
    free_.pop_back();
    return slot;
}

void BlockArena::release(char* slot) noexcept {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);
}

void BlockArena::release_idle_chunks() noexcept {
    std::lock_guard registry_lock(registry_mutex);
    for (auto& [size, arena] : registry()) {
        std::lock_guard lock(arena->mutex_);
        std::size_t slots = 0;
        for (const Chunk& chunk : arena->chunks_) slots += chunk.slots;
        if (arena->free_.size() != slots) continue;  // some block still lives in a slot
        for (const Chunk& chunk : arena->chunks_) ::munmap(chunk.address, chunk.length);
        arena->chunks_.clear();
        arena->free_.clear();
    }
}

ScratchBuffer::ScratchBuffer(std::size_t size) : data_(map_populated(size, 0)), size_(size) {}

ScratchBuffer::~ScratchBuffer() { ::munmap(data_, size_); }

}  // namespace hpc::image
