#include "image/squashfs/cached_file_reader.hpp"

#include "common/error.hpp"

#include <cstring>
#include <new>

namespace hpc::image {

CachedFileReader::CachedFileReader(BlockCache& cache, uint64_t image_offset, uint32_t block_size,
                                   BlockRetention retention)
    // calloc: a large zeroed allocation comes as untouched pages, costing nothing until read.
    : cache_(cache),
      image_offset_(image_offset),
      retention_(retention),
      zeros_(static_cast<char*>(std::calloc(block_size, 1))) {
    if (!zeros_) throw std::bad_alloc();
}

void CachedFileReader::read(SquashfsVolume& volume, const Inode& file, uint64_t offset, std::size_t size,
                            ReadPieces& out) {
    out.locations.clear();
    volume.locate(file, offset, size, out.locations);
    for (const BlockLocation& location : out.locations) {
        if (location.kind == BlockLocation::Kind::sparse) {
            out.pieces.push_back({zeros_.get(), location.length});
        } else {
            uint64_t key = image_offset_ + location.position;
            std::shared_ptr<const Block> block =
                cache_.get(key, [&] { return volume.read_block(location.position, location.header); });
            if (uint64_t(location.offset) + location.length > block->size())
                throw Error(ExitCode::data, "corrupt data block at byte " + std::to_string(location.position) +
                                                " (shorter than the file needs)");
            if (retention_ == BlockRetention::until_served) out.serving.emplace_back(key, location.length);
            out.pieces.push_back({const_cast<char*>(block->data()) + location.offset, location.length});
            out.held.push_back(std::move(block));
        }
        out.bytes += location.length;
    }
}

std::size_t CachedFileReader::read_into(SquashfsVolume& volume, const Inode& file, uint64_t offset,
                                        std::size_t size, char* buffer) {
    ReadPieces pieces;
    read(volume, file, offset, size, pieces);
    std::size_t done = 0;
    for (const iovec& piece : pieces.pieces) {
        std::memcpy(buffer + done, piece.iov_base, piece.iov_len);
        done += piece.iov_len;
    }
    delivered(pieces);
    return done;
}

void CachedFileReader::delivered(ReadPieces& pieces) {
    for (const auto& [key, bytes] : pieces.serving) cache_.served(key, bytes);
    pieces.serving.clear();
}

}  // namespace hpc::image
