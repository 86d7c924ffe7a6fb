#include "image/oci/digest_text.hpp"

#include <algorithm>

namespace hpc::image::oci {

std::optional<DigestParts> split_digest(std::string_view digest) {
    std::size_t colon = digest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    DigestParts parts{digest.substr(0, colon), digest.substr(colon + 1)};
    std::size_t hex_length = parts.algorithm == "sha256" ? 64 : parts.algorithm == "sha512" ? 128 : 0;
    if (hex_length == 0 || parts.hex.size() != hex_length) return std::nullopt;
    // Lower case only: the spec's grammar for both, and a blob's file name must be one spelling.
    bool hex = std::all_of(parts.hex.begin(), parts.hex.end(),
                           [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
    if (!hex) return std::nullopt;
    return parts;
}

bool is_valid_digest(std::string_view digest) { return split_digest(digest).has_value(); }

}  // namespace hpc::image::oci
