#include "image/oci/blob_digest.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

#include <array>

namespace hpc::image::oci {
namespace {

std::string hex_digest(std::string_view algorithm, const uint8_t* bytes, std::size_t size) {
    return std::string(algorithm) + ":" + lower_hex(bytes, size);
}

}  // namespace

DigestHasher::DigestHasher(std::string_view algorithm) : use_sha512_(algorithm == "sha512") {
    if (!use_sha512_ && algorithm != "sha256")
        throw Error(ExitCode::software, "no hasher for digest algorithm " + std::string(algorithm));
    sha256_init(&sha256_);
    sha512_init(&sha512_);
}

void DigestHasher::update(const void* bytes, std::size_t size) {
    const auto* data = static_cast<const uint8_t*>(bytes);
    if (use_sha512_)
        sha512_update(&sha512_, size, data);
    else
        sha256_update(&sha256_, size, data);
}

std::string DigestHasher::digest() {
    std::array<uint8_t, SHA512_DIGEST_SIZE> bytes{};
    if (use_sha512_) {
        sha512_digest(&sha512_, SHA512_DIGEST_SIZE, bytes.data());
        return hex_digest("sha512", bytes.data(), SHA512_DIGEST_SIZE);
    }
    sha256_digest(&sha256_, SHA256_DIGEST_SIZE, bytes.data());
    return hex_digest("sha256", bytes.data(), SHA256_DIGEST_SIZE);
}

std::string digest_of(std::string_view bytes, std::string_view algorithm) {
    DigestHasher hasher(algorithm);
    hasher.update(bytes.data(), bytes.size());
    return hasher.digest();
}

}  // namespace hpc::image::oci
