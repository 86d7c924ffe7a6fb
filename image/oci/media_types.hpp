// The media types hpc reads, and what each says: image-spec's media-types.md and Docker's
// schema 2 (which containers/image accepts too). Anything else is refused by the caller,
// naming the type: an image hpc does not understand is not guessed at.
#pragma once

#include "image/oci/oci_image.hpp"

#include <optional>
#include <string_view>

namespace hpc::image::oci {

enum class DocumentKind { manifest, index };

// An image manifest or an index (manifest list), by its media type; nothing for any other.
std::optional<DocumentKind> document_kind(std::string_view media_type);
bool is_config_media_type(std::string_view media_type);
// How a layer of this media type is compressed; nothing when it is no layer type hpc reads.
std::optional<Compression> layer_compression(std::string_view media_type);

// The types a document kind and a compression are written with where hpc must name one (a
// docker-archive's layers have none of their own).
std::string_view media_type_name(DocumentKind kind);
std::string_view docker_layer_media_type(Compression compression);

}  // namespace hpc::image::oci
