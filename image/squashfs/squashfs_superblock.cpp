#include "image/squashfs/squashfs_superblock.hpp"

#include "common/error.hpp"

#include <cstring>
#include <string>
#include <string_view>

namespace hpc::image {
namespace {

constexpr char magic[] = "hsqs";
constexpr uint64_t superblock_size = 96;
constexpr uint64_t metadata_block_size = 8192;  // SQUASHFS_METADATA_SIZE: what one table block decodes to
constexpr uint64_t absent = ~uint64_t{0};       // SQUASHFS_INVALID_BLK: a table the image does not have
constexpr uint64_t xattr_header_size = 16;      // struct squashfs_xattr_id_table

// Entry sizes: an id, a fragment entry, an inode reference, an xattr id.
constexpr uint64_t id_bytes = 4, fragment_bytes = 16, export_bytes = 8, xattr_id_bytes = 16;

template <typename T>
T field(const unsigned char* block, std::size_t at) {
    T value{};
    std::memcpy(&value, block + at, sizeof value);
    return value;
}

// A table of `count` entries is indexed by one 8-byte position per metadata block it fills.
void check_index(const SquashfsTableBounds& bounds, std::string_view table, uint64_t start, uint64_t count,
                 uint64_t each) {
    uint64_t size = (count * each + metadata_block_size - 1) / metadata_block_size * 8;
    if (!bounds.contain(start, size))
        refuse_squashfs_table(table, "its index, " + std::to_string(size) + " bytes " + bounds.outside(start));
}

void check_tables(const ByteSource& source, const SquashfsExtent& extent, const unsigned char* block) {
    const SquashfsTableBounds bounds{field<uint64_t>(block, 40)};
    uint32_t inodes = field<uint32_t>(block, 4);
    uint32_t fragments = field<uint32_t>(block, 16);
    uint16_t ids = field<uint16_t>(block, 26);
    uint64_t id_table = field<uint64_t>(block, 48), xattr_table = field<uint64_t>(block, 56);
    uint64_t inode_table = field<uint64_t>(block, 64), directory_table = field<uint64_t>(block, 72);
    uint64_t fragment_table = field<uint64_t>(block, 80), export_table = field<uint64_t>(block, 88);

    if (!bounds.contain(inode_table, 1)) refuse_squashfs_table("inode", "its start, " + bounds.outside(inode_table));
    if (!bounds.contain(directory_table, 1))
        refuse_squashfs_table("directory", "its start, " + bounds.outside(directory_table));
    if (directory_table <= inode_table)
        refuse_squashfs_table("directory", "it starts at byte " + std::to_string(directory_table) +
                                               ", not after the inode table (byte " + std::to_string(inode_table) + ")");
    // Every inode names its owner and group by their place in this table.
    if (ids == 0) refuse_squashfs_table("id", "empty, yet every file has an owner");
    check_index(bounds, "id", id_table, ids, id_bytes);
    if (fragments > 0) check_index(bounds, "fragment", fragment_table, fragments, fragment_bytes);
    if (export_table != absent) check_index(bounds, "export", export_table, inodes, export_bytes);
    if (xattr_table != absent) {
        if (!bounds.contain(xattr_table, xattr_header_size))
            refuse_squashfs_table("xattr", "its header, " + std::to_string(xattr_header_size) + " bytes " +
                                               bounds.outside(xattr_table));
        unsigned char header[xattr_header_size];
        source.read_exact(extent.offset + xattr_table, header, sizeof header);
        uint64_t values = field<uint64_t>(header, 0);
        if (!bounds.contain(values, 1)) refuse_squashfs_table("xattr", "its values, " + bounds.outside(values));
        check_index(bounds, "xattr", xattr_table + xattr_header_size, field<uint32_t>(header, 8), xattr_id_bytes);
    }
}

bool starts_with_magic(const ByteSource& source, uint64_t offset) {
    if (source.size() < offset + 4) return false;
    char bytes[4];
    source.read_exact(offset, bytes, sizeof bytes);
    return std::memcmp(bytes, magic, sizeof bytes) == 0;
}

}  // namespace

void refuse_squashfs_table(std::string_view table, const std::string& cause) {
    throw Error(ExitCode::data, "squashfs " + std::string(table) + " table: " + cause);
}

bool SquashfsTableBounds::contain(uint64_t at, uint64_t size) const {
    return at >= superblock_size && at <= end && size <= end - at;
}

std::string SquashfsTableBounds::outside(uint64_t at) const {
    return "at byte " + std::to_string(at) + ", lies outside bytes " + std::to_string(superblock_size) + " to " +
           std::to_string(end) + " of the file system";
}

void check_squashfs_superblock(const ByteSource& source, const SquashfsExtent& extent) {
    // The magic comes first, so that a short partition of something else is called that, not a
    // short squashfs.
    if (extent.size >= 4 && !starts_with_magic(source, extent.offset))
        throw Error(ExitCode::data, "not a squashfs file system (bad magic)");
    if (extent.size < superblock_size)
        throw Error(ExitCode::data, "squashfs truncated: " + std::to_string(extent.size) +
                                        " bytes, shorter than a superblock");
    unsigned char block[superblock_size];
    source.read_exact(extent.offset, block, sizeof block);
    uint16_t major = field<uint16_t>(block, 28), minor = field<uint16_t>(block, 30);
    if (major != 4 || minor != 0)
        throw Error(ExitCode::data, "unsupported squashfs version " + std::to_string(major) + "." +
                                        std::to_string(minor) + " (hpc reads 4.0)");
    uint64_t bytes_used = field<uint64_t>(block, 40);
    if (bytes_used > extent.size)
        throw Error(ExitCode::data, "squashfs truncated: it needs " + std::to_string(bytes_used) + " bytes, " +
                                        std::to_string(extent.size) + " are there");
    check_tables(source, extent, block);
}

}  // namespace hpc::image
