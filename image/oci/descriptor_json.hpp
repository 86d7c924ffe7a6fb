// A descriptor (image-spec descriptor.md) from its JSON object: the digest checked for form,
// the size a non-negative integer. `context` names where it is ("img: index.json: manifests[1]").
#pragma once

#include "image/oci/json_document.hpp"
#include "image/oci/oci_image.hpp"

#include <string>

namespace hpc::image::oci {

// mediaType may be absent here (index entries written without one are read as containers/image
// reads them, from their content); callers that need one check it.
Descriptor parse_descriptor(const Json& value, const std::string& context);

// "<context>[<index>]", the context of an array's element.
std::string element_context(const std::string& context, std::string_view array, std::size_t index);

}  // namespace hpc::image::oci
