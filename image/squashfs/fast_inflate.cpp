#include "image/squashfs/fast_inflate.hpp"

#include <libdeflate.h>

#include <memory>

namespace hpc::image {
namespace {

struct DecompressorDeleter {
    void operator()(libdeflate_decompressor* decompressor) const { libdeflate_free_decompressor(decompressor); }
};

libdeflate_decompressor* this_threads_decompressor() {
    thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
        libdeflate_alloc_decompressor());
    return decompressor.get();
}

}  // namespace

sqfs_err inflate_zlib_block(void* in, std::size_t in_size, void* out, std::size_t* out_size) {
    libdeflate_decompressor* decompressor = this_threads_decompressor();
    if (!decompressor) return SQFS_ERR;
    std::size_t produced = 0;
    if (libdeflate_zlib_decompress(decompressor, in, in_size, out, *out_size, &produced) != LIBDEFLATE_SUCCESS)
        return SQFS_ERR;
    *out_size = produced;
    return SQFS_OK;
}

}  // namespace hpc::image
