// Reads of squashfs files through the shared block cache, for the FUSE server: which blocks a
// range needs (SquashfsVolume::locate), each decompressed at most once while cached
// (BlockCache), and the answer as a list of pieces pointing straight into the cached blocks,
// so that the reply to the kernel is one writev with no copy of the data in between.
#pragma once

#include "image/squashfs/block_cache.hpp"
#include "image/squashfs/squashfs_volume.hpp"

#include <sys/uio.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

namespace hpc::image {

// The pieces of one read, valid while the object holds them. Reused between requests.
struct ReadPieces {
    std::vector<iovec> pieces;
    std::vector<std::shared_ptr<const Block>> held;  // keeps evicted blocks alive until the reply is sent
    std::vector<BlockLocation> locations;            // scratch
    // The cache keys and byte counts this read serves, counted by CachedFileReader::delivered.
    std::vector<std::pair<uint64_t, std::size_t>> serving;
    std::size_t bytes = 0;

    void clear() {
        pieces.clear();
        held.clear();
        locations.clear();
        serving.clear();
        bytes = 0;
    }
};

// How long a block read through the reader stays in the cache.
enum class BlockRetention {
    until_evicted,  // for reads that may come again
    until_served,   // for a FUSE server: the kernel's page cache keeps what it was served
};

class CachedFileReader {
public:
    // `image_offset` is where the squashfs starts in its file: cache keys are file positions.
    CachedFileReader(BlockCache& cache, uint64_t image_offset, uint32_t block_size,
                     BlockRetention retention = BlockRetention::until_evicted);

    // Appends to `out` the bytes [offset, offset + size) of `file`, clipped at its end. Holes
    // read as zeros. Throws hpc::Error(data) for a block that is corrupt or shorter than the
    // file says; `volume` is the calling thread's own.
    void read(SquashfsVolume& volume, const Inode& file, uint64_t offset, std::size_t size, ReadPieces& out);

    // Once the bytes of `pieces` have been handed on (the FUSE reply sent): with until_served, a
    // block they complete leaves the cache now, not before, so that a request for its other bytes
    // that came meanwhile (another reader's, the kernel's readahead) still finds it decoded.
    void delivered(ReadPieces& pieces);

    // Copies the same bytes into `buffer` (at least `size` long); returns how many.
    std::size_t read_into(SquashfsVolume& volume, const Inode& file, uint64_t offset, std::size_t size, char* buffer);

private:
    BlockCache& cache_;
    uint64_t image_offset_;
    BlockRetention retention_;
    struct Free {
        void operator()(char* memory) const { std::free(memory); }
    };
    std::unique_ptr<char, Free> zeros_;  // one block of zeros that every hole points at
};

}  // namespace hpc::image
