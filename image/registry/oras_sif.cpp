#include "image/registry/oras_sif.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/read_to_end.hpp"
#include "image/oci/blob_digest.hpp"
#include "image/oci/descriptor_json.hpp"
#include "image/oci/json_document.hpp"
#include "image/oci/media_types.hpp"
#include "image/registry/registry_api.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>

namespace hpc::image::registry {
namespace {

constexpr std::string_view manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view config_media_type = "application/vnd.sylabs.sif.config.v1+json";
constexpr std::string_view sif_media_type = "application/vnd.sylabs.sif.layer.v1.sif";
// What Singularity before 3.7 pushed (the typo is theirs); Apptainer still pulls it.
constexpr std::string_view prototype_sif_media_type = "appliciation/vnd.sylabs.sif.layer.tar";
constexpr std::string_view title_annotation = "org.opencontainers.image.title";
const std::string empty_config = "{}";

oci::Descriptor file_descriptor(int fd, uint64_t size) {
    oci::DigestHasher hasher("sha256");
    std::array<char, 1 << 16> buffer;
    for (uint64_t offset = 0; offset < size;) {
        std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(buffer.size(), size - offset));
        ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
        if (got < 0) throw_errno("read the SIF");
        if (got == 0) throw Error(ExitCode::data, "the SIF ended at byte " + std::to_string(offset) + " while read");
        hasher.update(buffer.data(), static_cast<std::size_t>(got));
        offset += static_cast<uint64_t>(got);
    }
    return {std::string(sif_media_type), hasher.digest(), size};
}

std::string manifest_json(const oci::Descriptor& config, const oci::Descriptor& sif, const std::string& title) {
    oci::Json layer = {{"mediaType", sif.media_type}, {"digest", sif.digest}, {"size", sif.size},
                       {"annotations", {{std::string(title_annotation), title}}}};
    oci::Json manifest = {
        {"schemaVersion", 2},
        {"mediaType", manifest_media_type},
        {"config", {{"mediaType", config.media_type}, {"digest", config.digest}, {"size", config.size}}},
        {"layers", oci::Json::array({layer})},
    };
    return manifest.dump();
}

void send_blob(RegistrySession& session, const oci::Descriptor& descriptor, const std::function<void()>& upload) {
    if (!has_blob(session, descriptor)) upload();
}

std::string tag_of(const RegistryReference& reference) {
    if (!reference.digest.empty() && reference.tag.empty())
        throw Error(ExitCode::usage, reference.text + ": a push names a tag, not a digest");
    return reference.tag.empty() ? "latest" : reference.tag;
}

// The artifact's SIF layer: the one layer of a SIF media type.
oci::Descriptor sif_layer(const std::string& manifest_bytes, const RegistryReference& reference) {
    std::string context = reference.text + ": manifest";
    oci::Json manifest = oci::parse_json_object(manifest_bytes, context);
    for (const oci::Json& layer : oci::array_member(manifest, "layers", context, 1000, true)) {
        if (!layer.is_object()) continue;
        std::string type = oci::string_member(layer, "mediaType", context);
        if (type != sif_media_type && type != prototype_sif_media_type) continue;
        return oci::parse_descriptor(layer, context + ": layers");
    }
    throw Error(ExitCode::data, reference.text + ": holds no SIF (no layer of type " + std::string(sif_media_type) +
                                    "; a docker:// image is pulled with docker://)");
}

}  // namespace

std::string push_sif(const RegistryReference& reference, const RegistryAccess& access, int fd, uint64_t size,
                     const std::string& title) {
    std::string tag = tag_of(reference);
    RegistrySession session(reference, access, Access::push);
    oci::Descriptor sif = file_descriptor(fd, size);
    oci::Descriptor config{std::string(config_media_type), oci::digest_of(empty_config), empty_config.size()};
    send_blob(session, config, [&] { upload_blob(session, config, empty_config); });
    send_blob(session, sif, [&] {
        if (access.notice) access.notice("sending " + oci::short_digest(sif.digest));
        upload_blob(session, sif, fd, 0);
    });
    std::string manifest = manifest_json(config, sif, title);
    put_manifest(session, tag, manifest_media_type, manifest);
    return oci::digest_of(manifest);
}

PulledSif pull_sif(const RegistryReference& reference, const RegistryAccess& access, cache::ImageCache& cache) {
    RegistrySession session(reference, access, Access::pull);
    oci::Descriptor top = resolve_manifest(session, reference.digest.empty() ? reference.tag : reference.digest);
    if (oci::document_kind(top.media_type) == oci::DocumentKind::index)
        throw Error(ExitCode::data, reference.text + ": an image index, not a SIF artifact (pull it with docker://)");
    UniqueFd manifest_fd = cache.ensure_blob(top, [&](cache::BlobWriter& writer) {
        fetch_manifest(session, top, [&](const char* data, std::size_t size) { writer.write(data, size); });
    });
    BoundedRead manifest = read_to_end(manifest_fd.get(), oci::max_json_bytes);
    if (manifest.error) throw_errno(reference.text + ": the cached manifest", manifest.error);
    if (manifest.too_large || oci::digest_of(manifest.bytes) != top.digest)
        throw Error(ExitCode::data, reference.text + ": the cached manifest " + oci::short_digest(top.digest) +
                                        " does not match its digest (hpc cache clean)");
    oci::Descriptor sif = sif_layer(manifest.bytes, reference);
    cache.ensure_blob(sif, [&](cache::BlobWriter& writer) {
        if (access.notice) access.notice("fetching " + oci::short_digest(sif.digest));
        fetch_blob(session, sif, [&](const char* data, std::size_t size) { writer.write(data, size); });
    });
    cache.record_tag(reference.name(), "sif", sif.digest);
    std::optional<std::string> path = cache.find_blob(sif.digest);
    if (!path) throw Error(ExitCode::software, reference.text + ": the SIF fetched is not in the cache");
    return {*path, sif.digest};
}

}  // namespace hpc::image::registry
