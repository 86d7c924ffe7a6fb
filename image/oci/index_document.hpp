// An image index (image-spec image-index.md, Docker's manifest list): its entries, each with
// the platform and the tag (org.opencontainers.image.ref.name) it may carry; and which kind a
// fetched document is.
#pragma once

#include "image/oci/json_document.hpp"
#include "image/oci/media_types.hpp"
#include "image/oci/oci_image.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hpc::image::oci {

struct Platform {
    std::string os, architecture, variant;
};

struct IndexEntry {
    Descriptor descriptor;
    std::optional<Platform> platform;
    std::string ref_name;  // "" when the entry has none
};

// At most this many entries an index may have (and a manifest layers): real ones have tens.
constexpr std::size_t max_entries = 1000;

// A manifest's or index's schemaVersion, when it has one, is 2 (the only one of both formats).
void check_schema_version(const Json& document, const std::string& context);

std::vector<IndexEntry> parse_index(const Json& document, const std::string& context);

// Whether `document` is a manifest or an index: from its mediaType and the descriptor's
// (`described_as`), which must be known types of the same kind where both are given, and from
// its fields where neither is (containers/image's GuessMIMEType: "manifests" makes an index,
// "config" a manifest).
DocumentKind kind_of_document(const Json& document, std::string_view described_as, const std::string& context);

}  // namespace hpc::image::oci
