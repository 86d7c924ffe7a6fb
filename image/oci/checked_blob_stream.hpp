// The BlobStream of every source: a blob's bytes from a ByteReader, their count and digest
// checked against the descriptor as they go by, so that a layer of any size is checked without
// being held anywhere, and nothing the descriptor does not vouch for is handed on unchecked
// past its end.
#pragma once

#include "image/oci/blob_digest.hpp"
#include "image/tar/byte_reader.hpp"
#include "image/oci/oci_image.hpp"

#include <memory>
#include <optional>
#include <string>

namespace hpc::image::oci {

class CheckedBlobStream final : public BlobStream {
public:
    // `where` names the layout or archive in messages ("img.tar: blob sha256:ab12cd34ef56: ...").
    // Throws hpc::Error(data) when the descriptor's digest is not a valid one.
    CheckedBlobStream(std::unique_ptr<tar::ByteReader> bytes, Descriptor descriptor, std::string where);

    std::size_t read(void* buffer, std::size_t size) override;
    void finish() override;
    uint64_t position() const override { return position_; }

private:
    [[noreturn]] void fail(const std::string& cause);
    void check_end();

    std::unique_ptr<tar::ByteReader> bytes_;
    Descriptor descriptor_;
    std::string where_;
    DigestHasher hasher_;
    uint64_t position_ = 0;
    bool ended_ = false;                  // the end was reached and found right
    std::optional<std::string> failure_;  // the first failure, thrown again by any later read
};

}  // namespace hpc::image::oci
