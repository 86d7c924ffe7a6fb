// Where a blob's bytes come from, before anything checks them: a file of a layout, or a member
// of an archive. CheckedBlobStream (checked_blob_stream.hpp) checks what these give.
#pragma once

#include "common/unique_fd.hpp"

#include <cstddef>

namespace hpc::image::oci {

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

}  // namespace hpc::image::oci
