// The second pass of writing a squashfs: every regular file's data, read with large buffered
// reads and handed to libsquashfs's block processor, which cuts it into blocks, compresses
// them on its worker threads and writes them in submission order. Nothing of a file stays in
// memory once its blocks are written; the processor's bounded backlog is the only buffer.
// Includes libsquashfs headers: never include this where squashfuse's are.
#pragma once

#include "image/write/sqfs_output.hpp"
#include "image/write/squashfs_writer.hpp"
#include "image/write/tree_scanner.hpp"

#include <sqfs/block_processor.h>
#include <sqfs/inode.h>

#include <cstdint>
#include <vector>

namespace hpc::image {

// The file inodes the block processor fills in (block sizes, fragment, start), one per regular
// file in SourceNode::file_index order. The processor keeps pointers to the slots and
// reallocates the inodes as blocks complete, so the slots never move; the inodes are freed
// with libsquashfs's allocator.
class FileInodes {
public:
    explicit FileInodes(std::size_t count) : slots_(count, nullptr) {}
    ~FileInodes();
    FileInodes(const FileInodes&) = delete;
    FileInodes& operator=(const FileInodes&) = delete;

    sqfs_inode_generic_t** slot(uint32_t file_index) { return &slots_.at(file_index); }

private:
    std::vector<sqfs_inode_generic_t*> slots_;
};

// Streams the data of every regular file of `tree` (each hard-linked inode once) into
// `processor`, in node order, then waits for the processor to finish. A file larger than one
// block keeps its tail in a block of its own, as mksquashfs does by default; smaller files
// are packed into fragment blocks. Calls `progress` (if set) every ~100 files or 1% of bytes.
// Throws hpc::Error: no_input naming an unreadable file, or the output's failure.
void pack_files(const SourceTree& tree, sqfs_block_processor_t* processor, uint32_t block_size,
                FileInodes& inodes, SqfsOutput& output,
                const std::function<void(const SquashfsWriteProgress&)>& progress);

}  // namespace hpc::image
