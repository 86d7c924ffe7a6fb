#include "image/squashfs/squashfs_table_check.hpp"

#include "image/squashfs/squashfs_superblock.hpp"

extern "C" {  // libsquashfuse's headers declare C functions without saying so
#include <squashfuse/squashfuse.h>
}

#include <cstdint>
#include <string>

namespace hpc::image {
namespace {

struct Table {
    const char* name;
    const sqfs_table& index;
    uint64_t count;  // entries
    uint64_t each;   // bytes per entry
};

[[noreturn]] void refuse(const Table& table, const std::string& cause) { refuse_squashfs_table(table.name, cause); }

// Block `number` of the table decodes, within the file system, to at least `needed` bytes:
// libsquashfuse copies an entry out of a decoded block without comparing it with the block's size.
void check_block(sqfs& fs, const Table& table, uint64_t number, uint64_t needed) {
    uint64_t at = table.index.blocks[number];
    const SquashfsTableBounds bounds{fs.sb.bytes_used};
    std::string block = "block " + std::to_string(number);
    std::string where = block + " at byte " + std::to_string(at);
    if (!bounds.contain(at, 1)) refuse(table, block + ", " + bounds.outside(at));
    auto position = static_cast<sqfs_off_t>(at);
    sqfs_block* decoded = nullptr;
    if (sqfs_md_cache(&fs, &position, &decoded) != SQFS_OK) refuse(table, where + " does not decode");
    if (static_cast<uint64_t>(position) > bounds.end)
        refuse(table, where + " ends past byte " + std::to_string(bounds.end) + ", the file system's end");
    std::string holds = where + " holds " + std::to_string(decoded->size) + " bytes";
    if (decoded->size > SQUASHFS_METADATA_SIZE)
        refuse(table, holds + ", more than a metadata block's " + std::to_string(SQUASHFS_METADATA_SIZE));
    if (decoded->size < needed) refuse(table, holds + ", the table needs " + std::to_string(needed));
}

void check_table(sqfs& fs, const Table& table, bool every_block) {
    if (table.count == 0) return;  // libsquashfuse read no index
    uint64_t bytes = table.count * table.each;
    uint64_t blocks = (bytes + SQUASHFS_METADATA_SIZE - 1) / SQUASHFS_METADATA_SIZE;
    for (uint64_t number = 0; number < blocks; ++number) {
        bool last = number + 1 == blocks;
        if (!every_block && number != 0 && !last) continue;
        check_block(fs, table, number, last ? bytes - number * SQUASHFS_METADATA_SIZE : SQUASHFS_METADATA_SIZE);
    }
}

}  // namespace

void check_table_blocks(sqfs& fs) {
    check_table(fs, {"id", fs.id_table, fs.sb.no_ids, sizeof(uint32_t)}, true);
    check_table(fs, {"fragment", fs.frag_table, fs.sb.fragments, sizeof(struct squashfs_fragment_entry)}, false);
    if (sqfs_export_ok(&fs)) check_table(fs, {"export", fs.export_table, fs.sb.inodes, sizeof(uint64_t)}, false);
    check_table(fs, {"xattr", fs.xattr_table, fs.xattr_info.xattr_ids, sizeof(struct squashfs_xattr_id)}, false);
}

}  // namespace hpc::image
