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

// ImageSource::read_image for a layout (oci_image.hpp says what it throws).
Image read_layout_image(BlobStore& store, const SourceReference& reference, const std::string& architecture);

}  // namespace hpc::image::oci
