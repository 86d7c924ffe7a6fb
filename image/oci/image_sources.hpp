// The three kinds of ImageSource, one file each; ImageSource::open (image_source.cpp) picks one
// by the reference's transport.
#pragma once

#include "image/oci/oci_image.hpp"

#include <memory>

namespace hpc::image::oci {

std::unique_ptr<ImageSource> open_layout(const SourceReference& reference);          // layout_source.cpp
std::unique_ptr<ImageSource> open_oci_archive(const SourceReference& reference);     // archive_source.cpp
std::unique_ptr<ImageSource> open_docker_archive(const SourceReference& reference);  // docker_archive.cpp

}  // namespace hpc::image::oci
