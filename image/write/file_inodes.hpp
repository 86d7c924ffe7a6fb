// The file inodes libsquashfs's block processor fills in (block sizes, fragment, start), one
// per regular file in the order the files were begun. The processor keeps pointers to the
// slots and reallocates the inodes as blocks complete, so a slot never moves once made (a
// deque grows without moving its elements); the inodes are freed with libsquashfs's allocator.
// Includes libsquashfs headers: never include this where squashfuse's are.
#pragma once

#include <sqfs/inode.h>

#include <cstdint>
#include <deque>

namespace hpc::image {

class FileInodes {
public:
    FileInodes() = default;
    ~FileInodes();
    FileInodes(const FileInodes&) = delete;
    FileInodes& operator=(const FileInodes&) = delete;

    // A new slot, numbered 0, 1, 2... in the order they are made.
    uint32_t add() {
        slots_.push_back(nullptr);
        return static_cast<uint32_t>(slots_.size() - 1);
    }
    sqfs_inode_generic_t** slot(uint32_t file_index) { return &slots_.at(file_index); }
    std::size_t size() const { return slots_.size(); }

private:
    std::deque<sqfs_inode_generic_t*> slots_;
};

}  // namespace hpc::image
