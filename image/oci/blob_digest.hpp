// A digest computed as bytes go by, so that a blob of any size is checked while it streams.
#pragma once

#include <nettle/sha2.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace hpc::image::oci {

class DigestHasher {
public:
    // `algorithm` is a checked digest's ("sha256" or "sha512", digest_text.hpp).
    explicit DigestHasher(std::string_view algorithm);
    void update(const void* bytes, std::size_t size);
    // "sha256:HEX" of everything given to update; the hasher starts again after it.
    std::string digest();

private:
    bool use_sha512_;
    sha256_ctx sha256_{};
    sha512_ctx sha512_{};
};

// "ALG:HEX" of `bytes`.
std::string digest_of(std::string_view bytes, std::string_view algorithm = "sha256");

}  // namespace hpc::image::oci
