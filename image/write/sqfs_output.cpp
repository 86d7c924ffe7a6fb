#include "image/write/sqfs_output.hpp"

#include "common/error.hpp"

#include <sqfs/error.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

namespace hpc::image {

SqfsOutput::SqfsOutput(int fd, uint64_t offset) {
    file_.base.base.destroy = [](sqfs_object_t*) {};  // owned here, never by libsquashfs
    file_.base.base.copy = nullptr;                   // a file open for writing is not copyable
    file_.base.read_at = read_at;
    file_.base.write_at = write_at;
    file_.base.get_size = get_size;
    file_.base.truncate = truncate;
    file_.fd = fd;
    file_.offset = offset;
}

int SqfsOutput::read_at(sqfs_file_t* base, sqfs_u64 offset, void* buffer, size_t size) {
    File* file = self(base);
    // libsquashfs reads back only what it wrote (to compare duplicates); past the end is a bug.
    if (offset > file->size || size > file->size - offset) return SQFS_ERROR_OUT_OF_BOUNDS;
    auto* at = static_cast<char*>(buffer);
    while (size > 0) {
        ssize_t got = ::pread(file->fd, at, size, static_cast<off_t>(file->offset + offset));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            file->saved_errno = got < 0 ? errno : EIO;
            file->failed_step = "reading back the output";
            return SQFS_ERROR_IO;
        }
        at += got;
        offset += static_cast<uint64_t>(got);
        size -= static_cast<size_t>(got);
    }
    return 0;
}

int SqfsOutput::write_at(sqfs_file_t* base, sqfs_u64 offset, const void* buffer, size_t size) {
    File* file = self(base);
    constexpr uint64_t limit = std::numeric_limits<int64_t>::max();  // off_t's
    if (file->offset > limit || size > limit - file->offset || offset > limit - file->offset - size) {
        file->saved_errno = EFBIG;
        file->failed_step = "writing the output";
        return SQFS_ERROR_IO;
    }
    file->touched = true;
    const auto* at = static_cast<const char*>(buffer);
    uint64_t end = offset + size;
    while (size > 0) {
        ssize_t wrote = ::pwrite(file->fd, at, size, static_cast<off_t>(file->offset + offset));
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) {
            file->saved_errno = wrote < 0 ? errno : EIO;
            file->failed_step = "writing the output";
            return SQFS_ERROR_IO;
        }
        at += wrote;
        offset += static_cast<uint64_t>(wrote);
        size -= static_cast<size_t>(wrote);
    }
    if (end > file->size) file->size = end;
    return 0;
}

sqfs_u64 SqfsOutput::get_size(const sqfs_file_t* base) {
    return reinterpret_cast<const File*>(base)->size;
}

// The block writer drops a file's blocks again when it finds them to duplicate earlier ones.
int SqfsOutput::truncate(sqfs_file_t* base, sqfs_u64 size) {
    File* file = self(base);
    if (::ftruncate(file->fd, static_cast<off_t>(file->offset + size)) != 0) {
        file->saved_errno = errno;
        file->failed_step = "cutting the output";
        return SQFS_ERROR_IO;
    }
    file->size = size;
    return 0;
}

int SqfsOutput::pad_and_cut(uint64_t multiple) {
    uint64_t tail = file_.size % multiple;
    if (tail != 0) {
        std::vector<char> zeros(multiple - tail, '\0');
        if (int error = write_at(file(), file_.size, zeros.data(), zeros.size())) return error;
    }
    return truncate(file(), file_.size);
}

void SqfsOutput::discard() noexcept {
    if (file_.touched) (void)::ftruncate(file_.fd, static_cast<off_t>(file_.offset));
}

std::string SqfsOutput::failure() const {
    if (file_.saved_errno == 0) return {};
    return std::string(file_.failed_step) + ": " + std::strerror(file_.saved_errno);
}

std::string sqfs_error_text(int code) {
    switch (code) {
    case SQFS_ERROR_ALLOC: return "out of memory";
    case SQFS_ERROR_IO: return "input/output error";
    case SQFS_ERROR_COMPRESSOR: return "the compressor failed";
    case SQFS_ERROR_INTERNAL: return "internal error in libsquashfs";
    case SQFS_ERROR_CORRUPTED: return "data read back is corrupt";
    case SQFS_ERROR_UNSUPPORTED: return "not supported by libsquashfs";
    case SQFS_ERROR_OVERFLOW: return "a size or count is too large for a squashfs";
    case SQFS_ERROR_OUT_OF_BOUNDS: return "read past the end of the output";
    case SQFS_ERROR_ARG_INVALID: return "invalid argument";
    case SQFS_ERROR_SEQUENCE: return "calls out of sequence";
    default: return "libsquashfs error " + std::to_string(code);
    }
}

void throw_sqfs_error(int code, const std::string& step, const SqfsOutput& output) {
    if (code == SQFS_ERROR_IO && output.failure_errno() != 0)
        throw Error(ExitCode::cant_create, step + ": " + output.failure(), output.failure_errno());
    if (code == SQFS_ERROR_ALLOC) throw Error(ExitCode::os, step + ": " + std::strerror(ENOMEM), ENOMEM);
    if (code == SQFS_ERROR_OVERFLOW) throw Error(ExitCode::data, step + ": " + sqfs_error_text(code));
    throw Error(ExitCode::software, step + ": " + sqfs_error_text(code));
}

}  // namespace hpc::image
