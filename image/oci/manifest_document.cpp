#include "image/oci/manifest_document.hpp"

#include "image/oci/blob_store.hpp"
#include "image/oci/descriptor_json.hpp"
#include "image/oci/index_document.hpp"
#include "image/oci/media_types.hpp"
#include "common/printable.hpp"

namespace hpc::image::oci {

ManifestDocument parse_manifest(const Json& document, const std::string& context) {
    check_schema_version(document, context);
    ManifestDocument manifest;
    const Json* config = member(document, "config");
    if (!config) bad_document(context, "no config");
    manifest.config = parse_descriptor(*config, context + ": config");
    if (!is_config_media_type(manifest.config.media_type))
        bad_document(context, "config: unknown media type " + quoted_printable(manifest.config.media_type) +
                                  " (not an image config)");
    const auto& layers = array_member(document, "layers", context, max_entries, true);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        std::string layer_context = element_context(context, "layers", i);
        Layer layer;
        layer.descriptor = parse_descriptor(layers[i], layer_context);
        auto compression = layer_compression(layer.descriptor.media_type);
        if (!compression)
            bad_document(layer_context, "unknown media type " + quoted_printable(layer.descriptor.media_type) +
                                            " (not a layer hpc can apply)");
        layer.compression = *compression;
        layer.location = blob_path(layer.descriptor.digest);
        manifest.layers.push_back(std::move(layer));
    }
    return manifest;
}

}  // namespace hpc::image::oci
