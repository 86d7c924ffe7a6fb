#include "image/serve/inode_map.hpp"

#include "common/error.hpp"

#include <sys/mman.h>

#include <atomic>

namespace hpc::image {

InodeMap::InodeMap(uint32_t inode_count, uint32_t root_number, uint64_t root_ref)
    : inode_count_(inode_count), root_number_(root_number) {
    mapped_bytes_ = (std::size_t(inode_count) + 1) * sizeof(uint64_t);
    // MAP_NORESERVE: a large image's table is mostly never touched.
    void* memory = ::mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) throw_errno("mapping an inode table for " + std::to_string(inode_count) + " inodes");
    refs_ = static_cast<uint64_t*>(memory);
    remember(root_number, root_ref);
}

InodeMap::~InodeMap() { ::munmap(refs_, mapped_bytes_); }

std::optional<uint32_t> InodeMap::number(uint64_t fuse_ino) const {
    if (fuse_ino == root_ino) return root_number_;
    if (fuse_ino < 2 || fuse_ino - 1 > inode_count_) return std::nullopt;
    auto found = static_cast<uint32_t>(fuse_ino - 1);
    if (found == root_number_) return std::nullopt;  // the root is only ever root_ino
    return found;
}

bool InodeMap::remember(uint32_t number, uint64_t ref) {
    if (!valid_number(number)) return false;
    // Every writer of one number stores the same value (the image is immutable), so relaxed
    // ordering is enough: a reader sees either nothing yet or the right ref.
    std::atomic_ref<uint64_t>(refs_[number]).store(ref + 1, std::memory_order_relaxed);
    return true;
}

std::optional<uint64_t> InodeMap::ref(uint32_t number) const {
    if (!valid_number(number)) return std::nullopt;
    uint64_t stored = std::atomic_ref<uint64_t>(refs_[number]).load(std::memory_order_relaxed);
    if (stored == 0) return std::nullopt;
    return stored - 1;
}

}  // namespace hpc::image
