// A directory's file data, the second pass of writing its squashfs: every regular file read
// with large buffered reads and streamed into the squashfs, whose block processor cuts it into
// blocks, compresses them on its worker threads and writes them in submission order. Nothing
// of a file stays in memory once its blocks are written.
#pragma once

#include "image/write/squashfs_stream.hpp"
#include "image/write/squashfs_writer.hpp"
#include "image/write/tree_scanner.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace hpc::image {

// Streams the data of every regular file of `tree` (each hard-linked inode once) into `stream`,
// in node order, so that the indices begin_file returns are the tree's file_index. Calls
// `progress` (if set) every ~100 files or 1% of bytes. Throws hpc::Error: no_input naming an
// unreadable file, or the output's failure.
void pack_files(const SourceTree& tree, SquashfsStream& stream,
                const std::function<void(const SquashfsWriteProgress&)>& progress);

// One host file's data into `stream`, read to its end through `buffer`; returns its index.
// `on_bytes` (may be empty) hears each read. Throws hpc::Error(no_input) naming the file.
uint32_t pack_file(SquashfsStream& stream, const std::string& path, std::span<char> buffer,
                   const std::function<void(uint64_t)>& on_bytes);

}  // namespace hpc::image
