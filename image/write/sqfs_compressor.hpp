// The writer's compressors, by name, from libsquashfs: refused with a list of what this
// libsquashfs offers when the name is unknown or not built in (Debian's has no lzo).
//
// Every compressor is wrapped so that a block is stored compressed only when that makes it
// smaller. libsquashfs 1.2's lz4 returns whatever LZ4 produced, even when it grew (random
// data, a 4-byte id table), and squashfs-tools' unsquashfs rejects a metadata block whose
// compressed size exceeds its size ("failed to read id table block"), as the kernel rejects a
// data block larger than the block size. mksquashfs never stores such blocks either.
// Includes libsquashfs headers: never include this where squashfuse's are.
#pragma once

#include "image/write/sqfs_output.hpp"

#include <sqfs/compressor.h>

#include <cstdint>
#include <string>

namespace hpc::image {

// Throws hpc::Error(usage) naming the compression and what is available instead.
SQFS_COMPRESSOR compressor_id(const std::string& name, uint32_t block_size);
SqfsPtr<sqfs_compressor_t> make_compressor(const std::string& name, uint32_t block_size);
// For reading back what was written (libsquashfs compares fragments that hash alike).
SqfsPtr<sqfs_compressor_t> make_decompressor(const std::string& name, uint32_t block_size);

}  // namespace hpc::image
