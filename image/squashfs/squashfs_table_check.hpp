// Reads, when an image is opened, the blocks of its id, fragment, export and xattr tables that
// libsquashfuse would otherwise first read once the image is mounted, where a corrupt one can
// only fail a request (a bare EIO at staging: the root's owner comes from the id table). Every
// block of the id table (at most 32: 65536 ids of 4 bytes), the first and the last of the others
// (a million inodes fill a thousand blocks of the export table). squashfs_superblock.hpp has
// checked that their indexes lie inside the file system; this checks what the indexes say.
//
// It takes libsquashfuse's handle from SquashfsVolume but includes none of its headers, so
// that this header may be included anywhere.
#pragma once

struct sqfs;

namespace hpc::image {

// Throws hpc::Error(data) naming the table and the block: "squashfs id table: block 0 at byte
// 1234 does not decode".
void check_table_blocks(sqfs& fs);

}  // namespace hpc::image
