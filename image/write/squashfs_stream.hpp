// A squashfs written as its contents arrive: file data first, streamed through libsquashfs's
// block processor (compressed on every core, written in submission order), then, once the
// whole tree is known, the inode and directory tables. A directory is one producer
// (write_squashfs scans it, then streams its files); an OCI image's layers are another
// (image/layers streams each file as its tar entry goes by, and learns the tree on the way).
// The file data never waits anywhere but in the processor's bounded backlog.
#pragma once

#include "image/write/squashfs_writer.hpp"
#include "image/write/tree_scanner.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace hpc::image {

class SquashfsStream {
public:
    // Starts a squashfs at byte `offset` of `fd` (a regular file open for reading and writing;
    // libsquashfs reads back what it wrote to find duplicates). Throws hpc::Error: usage for
    // bad options, cant_create for an unusable output.
    SquashfsStream(int fd, uint64_t offset, const SquashfsWriteOptions& options);
    // Without finish(): the output is cut back to `offset`, as if nothing had been written.
    ~SquashfsStream();
    SquashfsStream(const SquashfsStream&) = delete;
    SquashfsStream& operator=(const SquashfsStream&) = delete;

    // One inode's extended attributes (not empty); the index goes into SourceNode::xattrs.
    uint32_t record_xattrs(std::span<const Xattr> attributes);

    // A regular file's data: begin, append its bytes in order, end. `size` is what the file is
    // expected to hold (a file larger than one block keeps its tail out of fragment blocks, as
    // mksquashfs does); `name` is for messages. Returns the index SourceNode::file_index takes.
    // Files may be begun and never named by the tree: their data stays, unreferenced.
    uint32_t begin_file(uint64_t size, std::string_view name);
    void append(const void* data, std::size_t size);
    void end_file();
    uint32_t files_begun() const;

    // Waits for the data and writes the tables of `tree`, whose regular nodes name indices
    // begin_file returned; then the superblock. Throws hpc::Error as write_squashfs does.
    SquashfsWriteResult finish(const SourceTree& tree);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace hpc::image
