// The names of the cache's files and locks, from a checked digest (image_cache.hpp draws the layout).
#pragma once

#include "image/oci/digest_text.hpp"

#include <string>
#include <string_view>

namespace hpc::image::cache {

// The digest's parts; throws hpc::Error(data) "<what> '<digest>': not a valid digest" when it is none.
oci::DigestParts checked_digest(std::string_view digest, std::string_view what);

std::string sif_file_name(const oci::DigestParts& digest);   // "HEX.sif"
std::string blob_lock_name(const oci::DigestParts& digest);  // "ALG-HEX"
std::string sif_lock_name(const oci::DigestParts& digest);   // "sif-ALG-HEX"
// A tag record's file name: the sha256 hex of "REFERENCE\nARCHITECTURE" (neither holds a newline
// that matters: a reference cannot, and an architecture is a GOARCH name).
std::string tag_file_name(const std::string& reference, const std::string& architecture);
std::string tag_lock_name(std::string_view tag_file_name);  // "tag-HEX"

}  // namespace hpc::image::cache
