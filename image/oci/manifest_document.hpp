// An image manifest (image-spec manifest.md, Docker's schema 2): its config's descriptor and
// its layers, each of a media type hpc reads.
#pragma once

#include "image/oci/json_document.hpp"
#include "image/oci/oci_image.hpp"

#include <string>
#include <vector>

namespace hpc::image::oci {

struct ManifestDocument {
    Descriptor config;
    std::vector<Layer> layers;  // base first; location is the blob's path in a layout ("blobs/sha256/HEX")
};

ManifestDocument parse_manifest(const Json& document, const std::string& context);

}  // namespace hpc::image::oci
