// One pass through a tar file with libarchive, from its start: headers one after the other,
// and the data of the member last reached. Reads with pread(2) through a descriptor it does not
// own, at an offset of its own, so that passes over one file never disturb each other.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hpc::image::oci {

class TarPass {
public:
    // `fd` must outlive the pass; `path` names the file in messages. Throws hpc::Error(data)
    // "<path>: reading the tar: <libarchive's words>" for a file that is no tar (nor a gzip- or
    // zstd-compressed one), or a truncated one.
    TarPass(int fd, uint64_t file_size, std::string path);
    ~TarPass();
    TarPass(const TarPass&) = delete;
    TarPass& operator=(const TarPass&) = delete;

    // The next member's header, valid until the next call; null at the end of the archive.
    archive_entry* next();
    // Up to `size` bytes of the current member's data; 0 at its end. Throws hpc::Error(data)
    // with libarchive's words (a truncated archive, a corrupt stream).
    std::size_t read(void* buffer, std::size_t size);

private:
    static la_ssize_t read_callback(archive* handle, void* self, const void** block);
    static la_int64_t skip_callback(archive* handle, void* self, la_int64_t request);
    [[noreturn]] void fail(const std::string& doing) const;

    int fd_;
    uint64_t file_size_;
    std::string path_;
    uint64_t offset_ = 0;
    std::vector<char> block_;
    archive* handle_ = nullptr;
};

}  // namespace hpc::image::oci
