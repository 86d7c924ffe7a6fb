// One pass through a tar with libarchive, from its start: headers one after the other, and the
// data of the member last reached. The one wrapper of libarchive's reader in hpc: only the tar
// format and the gzip and zstd filters are named, since archive_read_support_*_all would link
// every format's and filter's dependencies (libxml2 for xar, OpenSSL for zip's encryption) in.
#pragma once

#include "image/tar/byte_reader.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace hpc::image::tar {

enum class Compression { none, gzip, zstd };

class TarPass {
public:
    // A tar file, plain or gzip- or zstd-compressed, read with pread(2) through `fd` (which must
    // outlive the pass) at an offset of the pass's own, so that passes over one file never disturb
    // each other; members it does not want are passed over by moving that offset. `path` names the
    // file in messages. Throws hpc::Error(data) "<path>: reading the tar: <libarchive's words>"
    // for a file that is no tar, or a truncated one.
    TarPass(int fd, uint64_t file_size, std::string path);
    // A tar stream pulled from `source` (which must outlive the pass) through exactly the
    // decompressor `compression` names: other bytes are no tar, and said so. What `source` throws
    // is thrown again as it was.
    TarPass(ByteReader& source, Compression compression, std::string name);
    ~TarPass();
    TarPass(const TarPass&) = delete;
    TarPass& operator=(const TarPass&) = delete;

    // The next member's header, valid until the next call; null at the end of the archive.
    // Throws hpc::Error(data) "<path>: reading the tar: <cause> (after '<the member before>')".
    archive_entry* next();
    // Up to `size` bytes of the current member's data; 0 at its end. Throws hpc::Error(data)
    // with libarchive's words (a truncated archive, a corrupt stream).
    std::size_t read(void* buffer, std::size_t size);
    // The current member's next stretch of data and where in the member it starts (a sparse
    // file's holes lie between stretches); false at its end. Throws as read() does.
    bool read_block(const void** data, std::size_t* size, int64_t* offset);

private:
    void open(Compression compression);
    static la_ssize_t read_callback(archive* handle, void* self, const void** block);
    static la_int64_t skip_callback(archive* handle, void* self, la_int64_t request);
    [[noreturn]] void fail(const std::string& doing) const;
    // libarchive's words for the failure, or what the source threw, thrown again.
    std::string cause() const;

    int fd_ = -1;
    uint64_t file_size_ = 0;
    ByteReader* source_ = nullptr;  // the stream, when not a file read by offset
    std::exception_ptr source_failure_;
    std::string path_;
    std::string last_name_;  // the last member's, for messages
    uint64_t offset_ = 0;
    std::vector<char> block_;
    archive* handle_ = nullptr;
};

}  // namespace hpc::image::tar
