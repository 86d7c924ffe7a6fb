// The inode and directory tables of a squashfs, written from the scanned tree once all file
// data is out (file inodes learn their block sizes from the block processor).
//
// Numbering: a directory's entries are numbered together, after everything below its
// subdirectories, and the root last. Inodes are written in number order, so every entry's
// inode is in the table (its reference known) before the listing that names it, and the
// numbers inside one listing are consecutive, which keeps its headers few. Everything follows
// from the sorted tree, so the numbers are the same on every run.
// Includes libsquashfs headers: never include this where squashfuse's are.
#pragma once

#include "image/write/file_inodes.hpp"
#include "image/write/sqfs_output.hpp"
#include "image/write/tree_scanner.hpp"

#include <sqfs/dir_writer.h>
#include <sqfs/id_table.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace hpc::image {

struct TableWriters {
    sqfs_meta_writer_t* inodes;       // writes to the file as blocks fill
    sqfs_meta_writer_t* directories;  // kept in memory: the directory table follows the inode table
    sqfs_dir_writer_t* listings;      // over `directories`
    sqfs_id_table_t* ids;
};

// Writes the inode table, then the directory table, at the end of `output`, and sets the
// superblock's inode_count, root_inode_ref, inode_table_start and directory_table_start.
// Modification times are clamped to [0, clamp_time] (source_date_epoch) and to 32 bits.
void write_inode_tables(const SourceTree& tree, FileInodes& file_inodes, const TableWriters& writers,
                        std::optional<int64_t> clamp_time, SqfsOutput& output, sqfs_super_t& super);

}  // namespace hpc::image
