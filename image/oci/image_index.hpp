// From an OCI image layout's index.json to one image: the entry the tag or digest names (or the
// only image there is), through nested indexes to the manifest for the platform, and its
// config. Shared by the layout directory and its tar (oci-archive).
#pragma once

#include "image/oci/blob_store.hpp"
#include "image/oci/oci_image.hpp"

#include <string>

namespace hpc::image::oci {

// How deep indexes may nest below index.json (an index of multi-platform images is 1).
constexpr int max_index_depth = 4;

// ImageSource::read_image for a layout whose index.json is `index_json` (oci_image.hpp says
// what it throws).
Image read_layout_image(BlobStore& store, std::string_view index_json, const SourceReference& reference,
                        const std::string& architecture);
// The image `descriptor` names in `store`: a manifest, or an index whose entry for the
// architecture leads to one (the same rules and bounds as a layout's). A registry's tag or digest
// resolves to such a descriptor.
Image read_image_at(BlobStore& store, const Descriptor& descriptor, const std::string& architecture);

}  // namespace hpc::image::oci
