#include "image/cache/cache_naming.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "image/oci/blob_digest.hpp"

namespace hpc::image::cache {

oci::DigestParts checked_digest(std::string_view digest, std::string_view what) {
    std::optional<oci::DigestParts> parts = oci::split_digest(digest);
    if (!parts) throw Error(ExitCode::data, std::string(what) + " " + quoted_printable(digest) + ": not a valid digest");
    return *parts;
}

std::string sif_file_name(const oci::DigestParts& digest) { return std::string(digest.hex) + ".sif"; }

std::string blob_lock_name(const oci::DigestParts& digest) {
    return std::string(digest.algorithm) + "-" + std::string(digest.hex);
}

std::string sif_lock_name(const oci::DigestParts& digest) { return "sif-" + blob_lock_name(digest); }

std::string tag_file_name(const std::string& reference, const std::string& architecture) {
    std::string digest = oci::digest_of(reference + "\n" + architecture);
    return digest.substr(digest.find(':') + 1);
}

std::string tag_lock_name(std::string_view tag_file_name) { return "tag-" + std::string(tag_file_name); }

}  // namespace hpc::image::cache
