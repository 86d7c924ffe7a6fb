#include "image/tree/ext_superblock.hpp"

#include "common/error.hpp"

#include <array>
#include <string>

namespace hpc::image {
namespace {

// The superblock: 1024 bytes, 1024 bytes into the file system, fields little-endian
// (the kernel's Documentation/filesystems/ext4/super.rst).
constexpr uint64_t superblock_at = 1024;
constexpr std::size_t superblock_bytes = 1024;
constexpr std::size_t blocks_count_lo = 0x4, log_block_size = 0x18, magic = 0x38, feature_incompat = 0x60,
                      blocks_count_hi = 0x150;
constexpr uint32_t ext_magic = 0xEF53;
constexpr uint32_t incompat_64bit = 0x80;
constexpr uint32_t largest_log_block_size = 6;  // 1024 << 6: 64 KiB

uint32_t little_endian(const std::array<unsigned char, superblock_bytes>& bytes, std::size_t at, int width) {
    uint32_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | bytes[at + static_cast<std::size_t>(i)];
    return value;
}

}  // namespace

bool has_ext_magic(const ByteSource& source, uint64_t offset) {
    if (source.size() < offset + superblock_at + magic + 2) return false;
    unsigned char bytes[2];
    source.read_exact(offset + superblock_at + magic, bytes, sizeof bytes);
    return (bytes[0] | bytes[1] << 8) == ext_magic;
}

void check_ext_superblock(const ByteSource& source, uint64_t offset, uint64_t size) {
    if (size < superblock_at + superblock_bytes || !has_ext_magic(source, offset))
        throw Error(ExitCode::data, "not an ext2/3/4 file system");
    std::array<unsigned char, superblock_bytes> bytes{};
    source.read_exact(offset + superblock_at, bytes.data(), bytes.size());
    uint32_t log_size = little_endian(bytes, log_block_size, 4);
    if (log_size > largest_log_block_size)
        throw Error(ExitCode::data, "ext superblock: block size 1024 << " + std::to_string(log_size) + " is not one ext allows");
    uint64_t blocks = little_endian(bytes, blocks_count_lo, 4);
    if (little_endian(bytes, feature_incompat, 4) & incompat_64bit)
        blocks |= static_cast<uint64_t>(little_endian(bytes, blocks_count_hi, 4)) << 32;
    uint64_t block_size = uint64_t{1024} << log_size;
    if (blocks == 0 || blocks > size / block_size)
        throw Error(ExitCode::data, "ext superblock: " + std::to_string(blocks) + " blocks of " +
                                        std::to_string(block_size) + " bytes do not fit the " + std::to_string(size) +
                                        " bytes it lies in (a truncated image?)");
}

}  // namespace hpc::image
