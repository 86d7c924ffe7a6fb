// A faster decoder for gzip-compressed squashfs blocks. squashfs's "gzip" is zlib streams;
// libdeflate inflates them 2-3x faster than zlib (measured on busybox's blocks: 8.8 ms with
// zlib, 3.8 ms with libdeflate), and a container's start-up waits on exactly this work.
// Included only by squashfs_volume.cpp: it speaks libsquashfuse's decompressor interface.
#pragma once

#include <squashfuse/common.h>

#include <cstddef>

namespace hpc::image {

// libsquashfuse's sqfs_decompressor signature: inflates `in` into `out`, whose capacity is
// *out_size on entry and whose used length it is on return. Thread-safe: each thread keeps
// its own libdeflate decompressor.
sqfs_err inflate_zlib_block(void* in, std::size_t in_size, void* out, std::size_t* out_size);

}  // namespace hpc::image
