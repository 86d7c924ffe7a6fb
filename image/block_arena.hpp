// Memory for decompressed blocks: slots of one block's size, carved from 2 MiB chunks that ask
// the kernel for transparent huge pages, and reused when the cache evicts a block. A fresh
// 4 KiB page costs a trap into the kernel when first touched (about 12 us each on the VM
// measured, so some 5 ms to decompress busybox into malloc's fresh mappings); a huge page
// costs one trap for 512 of them; and a chunk is populated in one call whatever page size it
// gets. Where huge pages are off, slots are ordinary pages, reused.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

namespace hpc::image {

class BlockArena {
public:
    // The process's arena for slots of `slot_size` bytes (a squashfs block size).
    static BlockArena& for_slot_size(std::size_t slot_size);

    explicit BlockArena(std::size_t slot_size) : slot_size_(slot_size) {}
    BlockArena(const BlockArena&) = delete;
    BlockArena& operator=(const BlockArena&) = delete;
    ~BlockArena();

    std::size_t slot_size() const { return slot_size_; }
    char* allocate();  // throws std::bad_alloc
    void release(char* slot) noexcept;

private:
    void add_chunk();

    std::size_t slot_size_;
    std::mutex mutex_;
    std::vector<char*> free_;
    std::vector<std::pair<void*, std::size_t>> chunks_;  // mappings, for the destructor
};

}  // namespace hpc::image
