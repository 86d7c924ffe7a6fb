// `docker-archive:FILE[:REF]`: what `docker save` writes. manifest.json lists the images, each
// {Config, RepoTags, Layers} naming members of the tar; REF picks one by a RepoTags entry
// ("name:tag") or by its place ("@N"), as containers/image's docker-archive does. Nothing in
// such an archive carries a descriptor, so each member is checked against the digest its name
// gives (Docker 25's "blobs/sha256/HEX", older "HEX.json" configs) or, for a layer named
// otherwise, the config's rootfs.diff_ids, which are the digests of the uncompressed layers.
#include "image/oci/blob_digest.hpp"
#include "image/oci/checked_blob_stream.hpp"
#include "image/oci/digest_text.hpp"
#include "image/oci/image_config.hpp"
#include "image/oci/image_sources.hpp"
#include "image/oci/index_document.hpp"
#include "image/oci/json_document.hpp"
#include "image/oci/media_types.hpp"
#include "common/printable.hpp"
#include "image/tar/tar_archive.hpp"

#include "common/error.hpp"

#include <array>
#include <charconv>
#include <optional>

namespace hpc::image::oci {
namespace {

struct ArchivedImage {
    std::string config;
    std::vector<std::string> repo_tags;
    std::vector<std::string> layers;
    Json entry;  // as manifest.json has it, for Image::manifest_json
};

std::vector<ArchivedImage> parse_manifest_json(std::string_view bytes, const std::string& context) {
    Json document = parse_json(bytes, context);
    if (!document.is_array()) bad_document(context, "not a JSON array");
    if (document.size() > max_entries)
        bad_document(context,
                     "lists " + std::to_string(document.size()) + " images, more than " + std::to_string(max_entries));
    std::vector<ArchivedImage> images;
    for (std::size_t i = 0; i < document.size(); ++i) {
        std::string entry_context = context + "[" + std::to_string(i) + "]";
        const Json& entry = document[i];
        if (!entry.is_object()) bad_document(entry_context, "not a JSON object");
        ArchivedImage image;
        image.config = string_member(entry, "Config", entry_context, true);
        image.repo_tags = string_array_member(entry, "RepoTags", entry_context, max_entries);
        image.layers = string_array_member(entry, "Layers", entry_context, max_entries);
        image.entry = entry;
        images.push_back(std::move(image));
    }
    return images;
}

// A reference as Docker writes RepoTags: "docker.io/library/busybox" and "busybox:latest" are
// one name, so the user may write either.
std::string normal_reference(std::string_view reference) {
    for (std::string_view prefix : {"docker.io/library/", "docker.io/", "index.docker.io/library/"}) {
        if (reference.starts_with(prefix) && reference.find('/', prefix.size()) == std::string_view::npos) {
            reference.remove_prefix(prefix.size());
            break;
        }
    }
    std::string normal(reference);
    std::size_t last_slash = normal.rfind('/');
    if (normal.find(':', last_slash == std::string::npos ? 0 : last_slash) == std::string::npos) normal += ":latest";
    return normal;
}

std::string listed_images(const std::vector<ArchivedImage>& images) {
    std::string text;
    for (std::size_t i = 0; i < images.size(); ++i) {
        text += (i ? ", @" : "@") + std::to_string(i);
        for (const std::string& tag : images[i].repo_tags) text += " " + quoted_printable(tag);
    }
    return text;
}

const ArchivedImage& choose_image(const std::vector<ArchivedImage>& images, const std::string& ref,
                                  const std::string& context) {
    if (images.empty()) throw Error(ExitCode::data, context + ": lists no image");
    if (ref.empty()) {
        if (images.size() == 1) return images.front();
        throw Error(ExitCode::no_input, context + ": holds " + std::to_string(images.size()) +
                                            " images; name one as FILE:NAME:TAG or FILE:@N (" + listed_images(images) +
                                            ")");
    }
    if (ref.starts_with('@')) {
        std::size_t index = 0;
        auto [end, error] = std::from_chars(ref.data() + 1, ref.data() + ref.size(), index);
        if (error == std::errc() && end == ref.data() + ref.size() && index < images.size()) return images[index];
        throw Error(ExitCode::no_input,
                    context + ": no image " + quoted_printable(ref) + " (" + listed_images(images) + ")");
    }
    std::string wanted = normal_reference(ref);
    for (const ArchivedImage& image : images)
        for (const std::string& tag : image.repo_tags)
            if (normal_reference(tag) == wanted) return image;
    throw Error(ExitCode::no_input,
                context + ": no image tagged " + quoted_printable(ref) + " (" + listed_images(images) + ")");
}

// The digest a member's name gives: "blobs/ALG/HEX" (an OCI layout inside, as Docker 25 saves),
// or "HEX<suffix>" (older saves' configs, "HEX.json"); nothing when the name gives none.
std::optional<std::string> digest_in_name(const std::string& name, std::string_view suffix) {
    if (name.starts_with("blobs/")) {
        std::string_view rest = std::string_view(name).substr(6);
        std::size_t slash = rest.find('/');
        if (slash != std::string_view::npos) {
            std::string digest = std::string(rest.substr(0, slash)) + ":" + std::string(rest.substr(slash + 1));
            if (is_valid_digest(digest)) return digest;
        }
    }
    if (!suffix.empty() && name.ends_with(suffix)) {
        std::string digest = "sha256:" + name.substr(0, name.size() - suffix.size());
        if (is_valid_digest(digest)) return digest;
    }
    return std::nullopt;
}

// A layer's compression from its first bytes: Docker's archives have no media types.
Compression sniff_compression(tar::ByteReader& reader) {
    std::array<unsigned char, 4> magic{};
    std::size_t have = 0;
    while (have < magic.size()) {
        std::size_t got = reader.read_some(magic.data() + have, magic.size() - have);
        if (got == 0) break;
        have += got;
    }
    if (have >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return Compression::gzip;
    if (have == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        return Compression::zstd;
    return Compression::none;
}

class DockerArchiveSource final : public ImageSource {
public:
    // manifest.json is read when the archive is opened: a tar without one is no docker save.
    explicit DockerArchiveSource(const SourceReference& reference)
        : reference_(reference),
          archive_(reference.path),
          listing_(archive_.read_member(member("manifest.json", "member"), max_json_bytes)) {}

    // A docker save's images are of one platform each; the caller compares the config's
    // architecture with the one it wants.

    Image read_image(const std::string& architecture) override;
    std::unique_ptr<BlobStream> open_layer(const Layer& layer) override;

private:
    const tar::TarMember& member(const std::string& name, std::string_view what) const;
    std::string read_config(const std::string& name, std::string& digest) const;
    Layer layer_of(const std::string& name, std::size_t index, const std::vector<std::string>& diff_ids) const;

    SourceReference reference_;
    tar::TarArchive archive_;
    std::string listing_;  // manifest.json
};

const tar::TarMember& DockerArchiveSource::member(const std::string& name, std::string_view what) const {
    const tar::TarMember* found = archive_.find(name);
    if (!found)
        throw Error(ExitCode::data,
                    reference_.path + ": " + std::string(what) + " " + quoted_printable(name) + ": not in the archive");
    return *found;
}

// The config's bytes, checked against the digest its name gives when it gives one (Docker
// itself identifies a loaded image by its config's content, whatever the name).
std::string DockerArchiveSource::read_config(const std::string& name, std::string& digest) const {
    const tar::TarMember& config = member(name, "config");
    std::string bytes = archive_.read_member(config, max_json_bytes);
    auto named = digest_in_name(config.name, ".json");
    digest = digest_of(bytes, named ? split_digest(*named)->algorithm : "sha256");
    if (named && *named != digest)
        throw Error(ExitCode::data, reference_.path + ": config " + quoted_printable(name) + ": digest mismatch (expected " +
                                        *named + ", got " + digest + ")");
    return bytes;
}

Layer DockerArchiveSource::layer_of(const std::string& name, std::size_t index,
                                    const std::vector<std::string>& diff_ids) const {
    const tar::TarMember& file = member(name, "layer");
    Layer layer;
    layer.compression = sniff_compression(*archive_.open_member(file));
    layer.location = file.name;
    layer.descriptor.media_type = docker_layer_media_type(layer.compression);
    layer.descriptor.size = file.size;
    if (auto named = digest_in_name(file.name, "")) {
        layer.descriptor.digest = *named;
    } else if (layer.compression == Compression::none) {
        layer.descriptor.digest = diff_ids[index];
    } else {
        // A diff id is the digest of the uncompressed tar: it says nothing of compressed bytes.
        throw Error(ExitCode::data,
                    reference_.path + ": layer " + quoted_printable(name) +
                        " is compressed and not named by its digest: there is nothing to check it against");
    }
    return layer;
}

Image DockerArchiveSource::read_image(const std::string&) {
    std::string manifest_context = reference_.path + ": manifest.json";
    std::vector<ArchivedImage> images = parse_manifest_json(listing_, manifest_context);
    const ArchivedImage& chosen = choose_image(images, reference_.tag, manifest_context);

    Image image;
    std::string config_digest;
    image.config_json = read_config(chosen.config, config_digest);
    ImageConfig config =
        parse_image_config(image.config_json, reference_.path + ": config " + short_digest(config_digest));
    if (config.diff_ids.size() != chosen.layers.size())
        throw Error(ExitCode::data, reference_.path + ": config " + short_digest(config_digest) + ": " +
                                        std::to_string(config.diff_ids.size()) + " diff_ids for the " +
                                        std::to_string(chosen.layers.size()) + " layers manifest.json lists");
    for (std::size_t i = 0; i < chosen.layers.size(); ++i)
        image.layers.push_back(layer_of(chosen.layers[i], i, config.diff_ids));
    image.manifest_json = chosen.entry.dump();
    image.manifest_digest = digest_of(image.manifest_json);
    take_config(image, std::move(config));
    return image;
}

std::unique_ptr<BlobStream> DockerArchiveSource::open_layer(const Layer& layer) {
    return std::make_unique<CheckedBlobStream>(archive_.open_member(member(layer.location, "layer")), layer.descriptor,
                                               reference_.path);
}

}  // namespace

std::unique_ptr<ImageSource> open_docker_archive(const SourceReference& reference) {
    return std::make_unique<DockerArchiveSource>(reference);
}

}  // namespace hpc::image::oci
