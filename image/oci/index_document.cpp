#include "image/oci/index_document.hpp"

#include "image/oci/descriptor_json.hpp"
#include "common/printable.hpp"

namespace hpc::image::oci {
namespace {

constexpr std::string_view ref_name_annotation = "org.opencontainers.image.ref.name";

std::optional<Platform> parse_platform(const Json& entry, const std::string& context) {
    const Json* value = member(entry, "platform");
    if (!value) return std::nullopt;
    if (!value->is_object()) bad_document(context, "platform is not a JSON object");
    std::string platform_context = context + ": platform";
    return Platform{string_member(*value, "os", platform_context),
                    string_member(*value, "architecture", platform_context),
                    string_member(*value, "variant", platform_context)};
}

std::string parse_ref_name(const Json& entry, const std::string& context) {
    const Json* annotations = member(entry, "annotations");
    if (!annotations) return {};
    if (!annotations->is_object()) bad_document(context, "annotations is not a JSON object");
    return string_member(*annotations, ref_name_annotation, context + ": annotations");
}

DocumentKind known_kind(std::string_view media_type, const std::string& context) {
    auto kind = document_kind(media_type);
    if (!kind)
        bad_document(context, "unknown media type " + quoted_printable(media_type) + " (not an image manifest or index)");
    return *kind;
}

}  // namespace

void check_schema_version(const Json& document, const std::string& context) {
    const Json* version = member(document, "schemaVersion");
    if (version && !(version->is_number_unsigned() && version->get<uint64_t>() == 2))
        bad_document(context, "schemaVersion is not 2");
}

std::vector<IndexEntry> parse_index(const Json& document, const std::string& context) {
    check_schema_version(document, context);
    const auto& manifests = array_member(document, "manifests", context, max_entries, true);
    std::vector<IndexEntry> entries;
    for (std::size_t i = 0; i < manifests.size(); ++i) {
        std::string entry_context = element_context(context, "manifests", i);
        IndexEntry entry;
        entry.descriptor = parse_descriptor(manifests[i], entry_context);
        entry.platform = parse_platform(manifests[i], entry_context);
        entry.ref_name = parse_ref_name(manifests[i], entry_context);
        entries.push_back(std::move(entry));
    }
    return entries;
}

DocumentKind kind_of_document(const Json& document, std::string_view described_as, const std::string& context) {
    std::string declared = string_member(document, "mediaType", context);
    std::optional<DocumentKind> kind;
    if (!described_as.empty()) kind = known_kind(described_as, context);
    if (!declared.empty()) {
        DocumentKind own = known_kind(declared, context);
        if (kind && *kind != own)
            bad_document(context, "mediaType " + quoted_printable(declared) + " is not the " + quoted_printable(described_as) +
                                      " its descriptor gives");
        kind = own;
    }
    if (kind) return *kind;
    if (member(document, "manifests")) return DocumentKind::index;
    if (member(document, "config")) return DocumentKind::manifest;
    bad_document(context, "neither an image manifest (no config) nor an index (no manifests)");
}

}  // namespace hpc::image::oci
