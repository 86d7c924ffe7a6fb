#include "image/oci/media_types.hpp"

#include <array>
#include <utility>

namespace hpc::image::oci {
namespace {

constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view docker_list = "application/vnd.docker.distribution.manifest.list.v2+json";

// The nondistributable types are deprecated in image-spec 1.1 but still read; Docker's foreign
// layers are gzip-compressed tar like its others.
constexpr std::array<std::pair<std::string_view, Compression>, 10> layer_types{{
    {"application/vnd.oci.image.layer.v1.tar", Compression::none},
    {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::gzip},
    {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::zstd},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::none},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::gzip},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::zstd},
    {"application/vnd.docker.image.rootfs.diff.tar", Compression::none},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::gzip},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::gzip},
    {"application/vnd.docker.image.rootfs.diff.tar.zst", Compression::zstd},
}};

}  // namespace

std::optional<DocumentKind> document_kind(std::string_view media_type) {
    if (media_type == oci_manifest || media_type == docker_manifest) return DocumentKind::manifest;
    if (media_type == oci_index || media_type == docker_list) return DocumentKind::index;
    return std::nullopt;
}

bool is_config_media_type(std::string_view media_type) {
    return media_type == "application/vnd.oci.image.config.v1+json" ||
           media_type == "application/vnd.docker.container.image.v1+json";
}

std::optional<Compression> layer_compression(std::string_view media_type) {
    for (const auto& [name, compression] : layer_types)
        if (name == media_type) return compression;
    return std::nullopt;
}

std::string_view media_type_name(DocumentKind kind) {
    return kind == DocumentKind::manifest ? oci_manifest : oci_index;
}

std::string_view docker_layer_media_type(Compression compression) {
    switch (compression) {
        case Compression::gzip:
            return "application/vnd.docker.image.rootfs.diff.tar.gzip";
        case Compression::zstd:
            return "application/vnd.docker.image.rootfs.diff.tar.zst";
        case Compression::none:
            break;
    }
    return "application/vnd.docker.image.rootfs.diff.tar";
}

}  // namespace hpc::image::oci
