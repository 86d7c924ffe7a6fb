// Memory for decompressed blocks: slots of one block's size, carved from 2 MiB chunks that ask
// the kernel for transparent huge pages, and reused when the cache evicts a block. A fresh
// 4 KiB page costs a trap into the kernel when first touched (about 12 us each on the VM
// measured, so some 5 ms to decompress busybox into malloc's fresh mappings); a huge page
// costs one trap for 512 of them; and a chunk is populated in one call whatever page size it
// gets. Where huge pages are off, slots are ordinary pages, reused.
//
// Chunks are not inherited by a child forked afterwards (the payload never reads them, and
// sharing them would make every later write here a copy-on-write fault): in a forked child
// every arena starts empty again, and blocks made before the fork must not be read there.
#pragma once

#include <cstddef>
#include <memory>
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

    // Gives back to the system every arena's chunks while none of their slots is in use.
    static void release_idle_chunks() noexcept;

private:
    friend struct ArenaForkHandlers;
    void add_chunk();

    std::size_t slot_size_;
    std::mutex mutex_;
    std::vector<char*> free_;
    struct Chunk {
        void* address;  // the mapping, for munmap
        std::size_t length;
        std::size_t slots;
    };
    std::vector<Chunk> chunks_;
};

// Memory for one thread's scratch work (a block's compressed bytes): mapped and populated in
// one call, and kept across a fork, unlike arena chunks.
class ScratchBuffer {
public:
    explicit ScratchBuffer(std::size_t size);
    ~ScratchBuffer();
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;

    char* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    char* data_;
    std::size_t size_;
};

}  // namespace hpc::image
