#include "image/oci/descriptor_json.hpp"

#include "image/oci/digest_text.hpp"
#include "common/printable.hpp"

namespace hpc::image::oci {

Descriptor parse_descriptor(const Json& value, const std::string& context) {
    if (!value.is_object()) bad_document(context, "not a JSON object");
    Descriptor descriptor;
    descriptor.media_type = string_member(value, "mediaType", context);
    descriptor.digest = string_member(value, "digest", context, true);
    if (!is_valid_digest(descriptor.digest))
        bad_document(context,
                     "digest " + quoted_printable(descriptor.digest) + " is not sha256:<64 hex> or sha512:<128 hex>");
    const Json* size = member(value, "size");
    if (!size) bad_document(context, "no size");
    // nlohmann keeps a non-negative integer as unsigned: a negative, fractional or textual size is refused.
    if (!size->is_number_unsigned()) bad_document(context, "size is not a non-negative integer");
    descriptor.size = size->get<uint64_t>();
    return descriptor;
}

std::string element_context(const std::string& context, std::string_view array, std::size_t index) {
    return context + ": " + std::string(array) + "[" + std::to_string(index) + "]";
}

}  // namespace hpc::image::oci
