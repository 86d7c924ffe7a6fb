// What a digest may be, checked before it names anything: "sha256:" and 64 lower-case hex
// digits, or "sha512:" and 128 (image-spec descriptor.md's registered algorithms). A layout's
// blob path is made of a digest that passed ("blobs/sha256/HEX"), so no digest can name
// another file: "sha256:../../etc/passwd" is refused here.
#pragma once

#include <optional>
#include <string_view>

namespace hpc::image::oci {

struct DigestParts {
    std::string_view algorithm;  // "sha256" or "sha512"
    std::string_view hex;
};

// The digest's two parts, or nothing when it is not one of the two forms above.
std::optional<DigestParts> split_digest(std::string_view digest);
bool is_valid_digest(std::string_view digest);

}  // namespace hpc::image::oci
