#include "image/oci/oci_image.hpp"

namespace hpc::image::oci {

std::string short_digest(std::string_view digest) {
    // "sha256:" and 12 hex digits: as many as `docker images` shows, enough to tell blobs apart.
    std::size_t colon = digest.find(':');
    std::size_t keep = colon == std::string_view::npos ? 12 : colon + 1 + 12;
    return std::string(digest.substr(0, keep));
}

}  // namespace hpc::image::oci
