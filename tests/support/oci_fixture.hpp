// OCI images made at test time, in memory first: an image layout's files (blobs named by their
// digests, index.json, oci-layout), written as a directory (oci:) or a tar of one
// (oci-archive:), and the tar `docker save` writes (docker-archive:). Tests change the files
// before writing them to make broken images.
#pragma once

#include "image/oci/oci_image.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace hpc::test {

using Json = nlohmann::json;

// A member of a tar made for a test.
struct TarEntry {
    enum class Kind { file, symlink, hardlink, directory };
    TarEntry(std::string name_, std::string content_, Kind kind_ = Kind::file, std::string target_ = "")
        : name(std::move(name_)), content(std::move(content_)), kind(kind_), target(std::move(target_)) {}
    std::string name;
    std::string content;  // a file's bytes
    Kind kind = Kind::file;
    std::string target;  // a link's
    unsigned mode = 0;   // permission bits, setuid and the like; 0: 0644, 0755 for a directory, 0777 for a link
    unsigned uid = 0, gid = 0;
    int64_t mtime = 0;
};

// The bytes of a tar (ustar) of `entries`, compressed as asked.
std::string tar_bytes(const std::vector<TarEntry>& entries,
                      image::oci::Compression compression = image::oci::Compression::none);
// A layer: a tar of files given as name -> content.
std::string layer_tar(const std::map<std::string, std::string>& files,
                      image::oci::Compression compression = image::oci::Compression::none);

std::string sha256_of(const std::string& bytes);  // "sha256:HEX"

// A config as image-spec's config.md has it, for `architecture` on linux, with one diff id per
// layer given (the uncompressed tars' digests).
Json config_document(const std::string& architecture, const std::vector<std::string>& diff_ids = {},
                     const std::string& variant = "");

constexpr const char* oci_manifest_type = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* oci_index_type = "application/vnd.oci.image.index.v1+json";
constexpr const char* oci_config_type = "application/vnd.oci.image.config.v1+json";
constexpr const char* oci_layer_type = "application/vnd.oci.image.layer.v1.tar";
constexpr const char* oci_gzip_layer_type = "application/vnd.oci.image.layer.v1.tar+gzip";

class OciLayoutFiles {
public:
    // Stores `bytes` as a blob; returns its descriptor {mediaType, digest, size}.
    Json add_blob(const std::string& media_type, const std::string& bytes);
    // A manifest of `config` and `layers` (descriptors), stored; returns its descriptor.
    Json add_manifest(const Json& config, const std::vector<Json>& layers);
    // A whole image for `architecture`: one layer holding /hello (gzip-compressed when asked),
    // its config and manifest; returns the manifest's descriptor.
    Json add_image(const std::string& architecture, bool gzip = false, const std::string& variant = "");
    // An index of `manifests` (descriptors), stored as a blob; returns its descriptor.
    Json add_index(const std::vector<Json>& manifests);
    // index.json of `manifests`.
    void set_index_json(const std::vector<Json>& manifests);

    void write_directory(const std::string& directory) const;
    void write_archive(const std::string& file,
                       image::oci::Compression compression = image::oci::Compression::none) const;

    std::map<std::string, std::string> files;  // relative path -> content
};

// A descriptor with `platform` and, when given, the tag annotation added.
Json with_platform(Json descriptor, const std::string& architecture, const std::string& variant = "",
                   const std::string& os = "linux");
Json with_tag(Json descriptor, const std::string& tag);

// A layer's bytes as stored, read through its checked stream in small pieces, to the end.
std::string read_layer(image::oci::ImageSource& source, const image::oci::Layer& layer);

// "blobs/sha256/HEX" of a descriptor.
std::string blob_file(const Json& descriptor);

}  // namespace hpc::test
