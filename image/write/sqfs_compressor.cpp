#include "image/write/sqfs_compressor.hpp"

#include "common/error.hpp"

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

// A libsquashfs compressor behind one that answers "store it as it is" (0) whenever the
// compressed block would be no smaller. libsquashfs copies it for each worker thread.
struct ShrinkingCompressor {
    sqfs_compressor_t base;  // first: libsquashfs sees only this
    sqfs_compressor_t* inner;

    static ShrinkingCompressor* self(const void* object) {
        return const_cast<ShrinkingCompressor*>(static_cast<const ShrinkingCompressor*>(object));
    }

    static sqfs_compressor_t* wrap(sqfs_compressor_t* inner) {
        if (inner == nullptr) return nullptr;
        auto* wrapper = new (std::nothrow) ShrinkingCompressor{};
        if (wrapper == nullptr) {
            sqfs_destroy(inner);
            return nullptr;
        }
        wrapper->inner = inner;
        wrapper->base.base.destroy = [](sqfs_object_t* object) {
            sqfs_destroy(self(object)->inner);
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
            sqfs_compressor_t* wrapped = self(compressor)->inner;
            sqfs_s32 written = wrapped->do_block(wrapped, in, size, out, outsize);
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
