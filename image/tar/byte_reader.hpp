// image/tar/: files and the members of tar files, as streams of bytes (libarchive's tar reader,
// its gzip and zstd filters, nothing else of it). No image format here: image/oci reads OCI
// layouts and archives through it.
//
// Where bytes come from: a file, or a member of an archive (tar_archive.hpp). image/oci's
// CheckedBlobStream checks what these give against a blob's digest.
#pragma once

#include "common/unique_fd.hpp"

#include <cstddef>

namespace hpc::image::tar {

class ByteReader {
public:
    virtual ~ByteReader() = default;
    // Up to `size` (> 0) bytes; 0 at the end. Throws hpc::Error naming the cause alone (the
    // caller adds which blob it was).
    virtual std::size_t read_some(void* buffer, std::size_t size) = 0;
};

// A file's bytes from its current offset, through the descriptor it owns.
class FileReader final : public ByteReader {
public:
    explicit FileReader(UniqueFd fd) : fd_(std::move(fd)) {}
    std::size_t read_some(void* buffer, std::size_t size) override;

private:
    UniqueFd fd_;
};

}  // namespace hpc::image::tar
