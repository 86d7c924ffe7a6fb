// Apptainer's rule for an image file's file system shared by several runs: one writer, or any
// number of readers. It takes a byte-range lock on the file system's extent (a write lock to
// write it, a read lock to read it); so does hpc, with open file description locks, which
// conflict with Apptainer's POSIX ones, so that neither tool writes an overlay the other uses.
#pragma once

#include "common/unique_fd.hpp"

#include <cstdint>
#include <string>

namespace hpc::sandbox {

// Locks [offset, offset + size) of the file `file` (a descriptor, O_PATH allowed) refers to, for
// writing or reading, and returns the open file that holds the lock: it lasts until that closes.
// Throws hpc::Error(in_use) naming `what` when another process holds a conflicting lock; a file
// system without locks (ENOLCK) is let through, as Apptainer lets it.
UniqueFd lock_image_extent(int file, uint64_t offset, uint64_t size, bool write, const std::string& what);

}  // namespace hpc::sandbox
