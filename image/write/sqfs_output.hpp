// libsquashfs's view of the output: an sqfs_file_t over an open file that starts at a byte
// offset (a SIF partition), and owners for the library's objects. libsquashfs only says
// "I/O error"; the file keeps the errno and the step so that the message can name them.
// Includes libsquashfs headers: never include this where squashfuse's are (their guards clash).
#pragma once

#include <sqfs/io.h>
#include <sqfs/predef.h>

#include <cstdint>
#include <memory>
#include <string>

namespace hpc::image {

// Deletes a libsquashfs object through its own destroy function.
struct SqfsDestroy {
    void operator()(void* object) const { sqfs_destroy(object); }
};
template <typename T>
using SqfsPtr = std::unique_ptr<T, SqfsDestroy>;

class SqfsOutput {
public:
    // `fd` stays the caller's; offsets below are relative to `offset`.
    SqfsOutput(int fd, uint64_t offset);
    SqfsOutput(const SqfsOutput&) = delete;
    SqfsOutput& operator=(const SqfsOutput&) = delete;

    sqfs_file_t* file() { return &file_.base; }
    uint64_t size() const { return file_.size; }

    // Zeros up to the next multiple of `multiple`, and the file cut there. Returns 0 or an
    // SQFS_ERROR code.
    int pad_and_cut(uint64_t multiple);
    // Cuts the file back to `offset` if anything was written: what a failed write leaves.
    void discard() noexcept;

    // The system call failure behind the last SQFS_ERROR_IO, as "writing the output: No space
    // left on device"; empty if there was none.
    std::string failure() const;
    int failure_errno() const { return file_.saved_errno; }

private:
    struct File {
        sqfs_file_t base;
        int fd;
        uint64_t offset;
        uint64_t size;  // the squashfs's length so far
        int saved_errno;
        const char* failed_step;
        bool touched;  // a write was tried
    };
    static int read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size);
    static int write_at(sqfs_file_t* file, sqfs_u64 offset, const void* buffer, size_t size);
    static sqfs_u64 get_size(const sqfs_file_t* file);
    static int truncate(sqfs_file_t* file, sqfs_u64 size);
    static File* self(sqfs_file_t* file) { return reinterpret_cast<File*>(file); }

    File file_{};
};

// Text for a libsquashfs error code (SQFS_ERROR_*).
std::string sqfs_error_text(int code);

// Throws the hpc::Error for libsquashfs's `code` while doing `step` ("packing /src/a"): the
// output's own failure when it had one (cant_create), else libsquashfs's cause.
[[noreturn]] void throw_sqfs_error(int code, const std::string& step, const SqfsOutput& output);

}  // namespace hpc::image
