// An image's config (image-spec config.md, Docker's image JSON): the platform it was built for,
// what a container of it starts with, and its layers' uncompressed digests.
#pragma once

#include "image/oci/oci_image.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::oci {

struct ImageConfig {
    std::string architecture, os, variant;
    RunConfig run;
    std::vector<std::string> diff_ids;  // rootfs.diff_ids, each a checked digest
};

// Throws hpc::Error(data) naming `context` (the config blob) and the field for invalid JSON, a
// missing architecture or os, or a field of the wrong JSON type. Absent and null fields of
// "config" are empty.
ImageConfig parse_image_config(std::string_view bytes, const std::string& context);

// The image's platform and run config, from its config.
void take_config(Image& image, ImageConfig config);

}  // namespace hpc::image::oci
