// The BlobWriter a fetch is given: bytes to a temporary file, counted and hashed as they go, and
// checked against the descriptor once the fetch is done.
#pragma once

#include "image/cache/image_cache.hpp"
#include "image/oci/blob_digest.hpp"

#include <string>

namespace hpc::image::cache {

class BlobFileWriter final : public BlobWriter {
public:
    // `descriptor`'s digest is a checked one; `path` names the file in messages.
    BlobFileWriter(int fd, std::string path, const oci::Descriptor& descriptor);
    void write(const void* data, std::size_t size) override;
    // Throws hpc::Error(data) "blob sha256:ab12cd34ef56: ..." when the bytes were not the descriptor's.
    void check_complete();

private:
    [[noreturn]] void fail(const std::string& cause) const;

    int fd_;
    std::string path_;
    const oci::Descriptor& descriptor_;
    oci::DigestHasher hasher_;
    uint64_t written_ = 0;
};

}  // namespace hpc::image::cache
