#include "image/block_arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <new>

namespace hpc::image {
namespace {

constexpr std::size_t huge_page = 2 << 20;

}  // namespace

BlockArena& BlockArena::for_slot_size(std::size_t slot_size) {
    static std::mutex registry_mutex;
    static std::map<std::size_t, std::unique_ptr<BlockArena>> registry;
    std::lock_guard lock(registry_mutex);
    std::unique_ptr<BlockArena>& arena = registry[slot_size];
    if (!arena) arena = std::make_unique<BlockArena>(slot_size);
    return *arena;
}

BlockArena::~BlockArena() {
    for (auto [address, length] : chunks_) ::munmap(address, length);
}

void BlockArena::add_chunk() {
    std::size_t chunk = std::max(huge_page, slot_size_);
    // Twice the size, so that a huge-page-aligned chunk fits in whatever address comes back.
    std::size_t mapped = chunk + huge_page;
    void* address = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (address == MAP_FAILED) throw std::bad_alloc();
    // A child forked later (the payload) has no use for decompressed blocks; sharing them would
    // make every write here after the fork a copy-on-write fault.
    ::madvise(address, mapped, MADV_DONTFORK);
    chunks_.emplace_back(address, mapped);
    auto aligned = (reinterpret_cast<std::uintptr_t>(address) + huge_page - 1) & ~(huge_page - 1);
    char* start = reinterpret_cast<char*>(aligned);
    ::madvise(start, chunk, MADV_HUGEPAGE);  // advice only: refused where huge pages are off
    // Fault the chunk in with one call rather than a trap per page: where the huge page is not
    // granted (its page-table range was used before), 512 small pages cost some 6 ms in traps
    // against about 0.3 ms this way. Linux 5.14 and later; older kernels fault as they go.
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

}  // namespace hpc::image
