#include "image/write/sqfs_compressor.hpp"

#include "common/error.hpp"

#include <libdeflate.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace hpc::image {
namespace {

bool available(SQFS_COMPRESSOR id, uint32_t block_size) {
    sqfs_compressor_config_t config;
    if (sqfs_compressor_config_init(&config, id, block_size, 0) != 0) return false;
    sqfs_compressor_t* compressor = nullptr;
    if (sqfs_compressor_create(&config, &compressor) != 0) return false;
    sqfs_destroy(compressor);
    return true;
}

[[noreturn]] void refuse(const std::string& name, uint32_t block_size) {
    std::string offered;
    for (int id = SQFS_COMP_MIN; id <= SQFS_COMP_MAX; ++id) {
        if (!available(static_cast<SQFS_COMPRESSOR>(id), block_size)) continue;
        if (!offered.empty()) offered += ", ";
        offered += sqfs_compressor_name_from_id(static_cast<SQFS_COMPRESSOR>(id));
    }
    throw Error(ExitCode::usage,
                "compression " + name + " is not available in this libsquashfs (it offers " + offered + ")");
}

sqfs_compressor_t* create(const std::string& name, uint32_t block_size, sqfs_u16 flags) {
    SQFS_COMPRESSOR id = compressor_id(name, block_size);
    sqfs_compressor_config_t config;
    sqfs_compressor_t* compressor = nullptr;
    if (sqfs_compressor_config_init(&config, id, block_size, flags) != 0 ||
        sqfs_compressor_create(&config, &compressor) != 0)
        refuse(name, block_size);
    return compressor;
}

// gzip blocks (zlib streams, as squashfs's gzip is) are made by libdeflate rather than by
// libsquashfs's zlib: on 100 MB of a Debian /usr in 128 KiB blocks, zlib's level 9 (what
// libsquashfs and mksquashfs use) made 9.8 MB/s at a ratio of 0.418, libdeflate's level 6 81.6
// MB/s at 0.414 (its level 9: 26.1 MB/s at 0.412). Any zlib reader reads them.
constexpr int deflate_level = 6;

// A libsquashfs compressor behind one that answers "store it as it is" (0) whenever the
// compressed block would be no smaller, and that deflates gzip's blocks with libdeflate.
// libsquashfs copies it for each worker thread: each copy has a libdeflate compressor of its own.
struct ShrinkingCompressor {
    sqfs_compressor_t base;  // first: libsquashfs sees only this
    sqfs_compressor_t* inner;
    libdeflate_compressor* deflate;  // gzip's; null for the others

    static ShrinkingCompressor* self(const void* object) {
        return const_cast<ShrinkingCompressor*>(static_cast<const ShrinkingCompressor*>(object));
    }

    static sqfs_compressor_t* wrap(sqfs_compressor_t* inner) {
        if (inner == nullptr) return nullptr;
        auto* wrapper = new (std::nothrow) ShrinkingCompressor{};
        sqfs_compressor_config_t inner_config{};
        inner->get_configuration(inner, &inner_config);
        bool gzip = inner_config.id == SQFS_COMP_GZIP;
        libdeflate_compressor* deflate = gzip ? libdeflate_alloc_compressor(deflate_level) : nullptr;
        if (wrapper == nullptr || (gzip && deflate == nullptr)) {
            libdeflate_free_compressor(deflate);
            delete wrapper;
            sqfs_destroy(inner);
            return nullptr;
        }
        wrapper->inner = inner;
        wrapper->deflate = deflate;
        wrapper->base.base.destroy = [](sqfs_object_t* object) {
            sqfs_destroy(self(object)->inner);
            libdeflate_free_compressor(self(object)->deflate);
            delete self(object);
        };
        wrapper->base.base.copy = [](const sqfs_object_t* object) -> sqfs_object_t* {
            return reinterpret_cast<sqfs_object_t*>(wrap(static_cast<sqfs_compressor_t*>(sqfs_copy(self(object)->inner))));
        };
        wrapper->base.get_configuration = [](const sqfs_compressor_t* compressor, sqfs_compressor_config_t* config) {
            sqfs_compressor_t* wrapped = self(compressor)->inner;
            wrapped->get_configuration(wrapped, config);
        };
        wrapper->base.write_options = [](sqfs_compressor_t* compressor, sqfs_file_t* file) {
            sqfs_compressor_t* wrapped = self(compressor)->inner;
            return wrapped->write_options(wrapped, file);
        };
        wrapper->base.read_options = [](sqfs_compressor_t* compressor, sqfs_file_t* file) {
            sqfs_compressor_t* wrapped = self(compressor)->inner;
            return wrapped->read_options(wrapped, file);
        };
        wrapper->base.do_block = [](sqfs_compressor_t* compressor, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                                    sqfs_u32 outsize) -> sqfs_s32 {
            ShrinkingCompressor* wrapper_self = self(compressor);
            sqfs_s32 written = 0;
            if (wrapper_self->deflate != nullptr)  // 0: it did not fit in `outsize`
                written = static_cast<sqfs_s32>(libdeflate_zlib_compress(wrapper_self->deflate, in, size, out, outsize));
            else
                written = wrapper_self->inner->do_block(wrapper_self->inner, in, size, out, outsize);
            return written > 0 && static_cast<sqfs_u32>(written) >= size ? 0 : written;
        };
        return &wrapper->base;
    }
};

}  // namespace

SQFS_COMPRESSOR compressor_id(const std::string& name, uint32_t block_size) {
    int id = sqfs_compressor_id_from_name(name.c_str());
    if (id < 0 || !available(static_cast<SQFS_COMPRESSOR>(id), block_size)) refuse(name, block_size);
    return static_cast<SQFS_COMPRESSOR>(id);
}

SqfsPtr<sqfs_compressor_t> make_compressor(const std::string& name, uint32_t block_size) {
    sqfs_compressor_t* compressor = ShrinkingCompressor::wrap(create(name, block_size, 0));
    if (compressor == nullptr) throw Error(ExitCode::os, "creating the compressor: " + std::string(std::strerror(ENOMEM)), ENOMEM);
    return SqfsPtr<sqfs_compressor_t>(compressor);
}

SqfsPtr<sqfs_compressor_t> make_decompressor(const std::string& name, uint32_t block_size) {
    return SqfsPtr<sqfs_compressor_t>(create(name, block_size, SQFS_COMP_FLAG_UNCOMPRESS));
}

}  // namespace hpc::image
