// image/oci/: OCI images from local files, as Apptainer names them: an OCI image layout
// (`oci:DIR[:TAG|@DIGEST]`), a tar of one (`oci-archive:FILE[:TAG]`) and what `docker save`
// writes (`docker-archive:FILE[:REF]`). Reads the index, the manifest for a platform and the
// config; hands out each blob as a stream whose digest is checked while it is read. Nothing
// here unpacks anything: image/layers applies the layer streams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::image::oci {

enum class Transport { oci_layout, oci_archive, docker_archive };

// A SOURCE as the user wrote it, split. Paths may not hold ':' (containers/image's rule too).
struct SourceReference {
    Transport transport = Transport::oci_layout;
    std::string path;    // the layout directory or the archive file
    std::string tag;     // oci/oci-archive: an org.opencontainers.image.ref.name; docker-archive: a RepoTags entry,
                         // or "@N": the Nth image (from 0) of its manifest.json
    std::string digest;  // oci and oci-archive ("PATH@sha256:HEX"): a manifest or index in the layout
    std::string text;    // as written ("oci-archive:x.tar:latest"), for messages
};

// "oci:", "oci-archive:" or "docker-archive:" at the front.
bool is_oci_source(std::string_view source);
// Throws hpc::Error(usage) for an empty path or a malformed digest, naming `source`.
SourceReference parse_source(std::string_view source);
// A definition header's `Bootstrap: AGENT` and `From: VALUE` ("oci-archive", "x.tar:tag").
// The same rules as parse_source; throws hpc::Error(usage) for an agent that is none of the three.
SourceReference parse_bootstrap(std::string_view agent, std::string_view from);
// The three agents' names, for the definition parser's list of known agents.
bool is_oci_agent(std::string_view agent);

enum class Compression { none, gzip, zstd };

struct Descriptor {
    std::string media_type;
    std::string digest;  // "sha256:HEX" or "sha512:HEX", lower-case hex of the right length
    uint64_t size = 0;
};

struct Layer {
    Descriptor descriptor;  // docker-archive: digest is the layer file's (its name) or its diff id
    Compression compression = Compression::none;
    std::string location;   // a path in the layout or a member name in the archive, for open_blob
};

// The config's "config" object: what a container of the image starts with.
struct RunConfig {
    std::vector<std::string> env;         // "NAME=VALUE", in order
    std::vector<std::string> entrypoint;  // empty when absent or null
    std::vector<std::string> cmd;
    std::string working_dir;
    std::string user;
    std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
};

struct Image {
    std::string manifest_json;    // the manifest's bytes as stored (docker-archive: its manifest.json entry)
    std::string manifest_digest;  // "sha256:HEX" of those bytes
    std::string config_json;      // the config's bytes as stored
    std::string architecture, os, variant;  // the config's
    RunConfig run;
    std::vector<Layer> layers;    // base first
};

// One blob's bytes, its size and digest checked as they stream: reading past the descriptor's
// size, or reaching the end with another size or digest, throws hpc::Error(data) naming the blob
// ("layer sha256:ab12...: digest mismatch (got sha256:...)"). A truncated or unreadable source
// throws hpc::Error(data) naming the file and blob too.
class BlobStream {
public:
    virtual ~BlobStream() = default;
    // Up to `size` bytes into `buffer`; 0 at the end, once the digest is checked.
    virtual std::size_t read(void* buffer, std::size_t size) = 0;
    // Reads whatever is left (a tar's padding after its end) and checks size and digest.
    virtual void finish() = 0;
    // Bytes of the blob read so far (for progress).
    virtual uint64_t position() const = 0;
};

// An opened SOURCE: the layout's directory, or the archive file, held open from here on (what
// is read is what was opened, whatever happens to the path).
class ImageSource {
public:
    // Throws hpc::Error: no_input (missing path), data (not a layout or archive).
    static std::unique_ptr<ImageSource> open(const SourceReference& reference);
    virtual ~ImageSource() = default;

    // The image for `architecture` (GOARCH names: amd64, arm64, ppc64le...): from an index or
    // manifest list the linux entry for it; a tag or digest choosing among several images.
    // Throws hpc::Error: data (invalid JSON, missing fields, unknown media type, a digest that
    // does not match; one line naming the file or blob and the cause), no_input (no image of
    // that tag, digest or architecture: the message lists what there is).
    virtual Image read_image(const std::string& architecture) = 0;
    // A layer's (compressed) bytes as stored, checked against its descriptor while they stream.
    virtual std::unique_ptr<BlobStream> open_layer(const Layer& layer) = 0;
};

// A blob's short name for messages: "sha256:ab12cd34ef56".
std::string short_digest(std::string_view digest);

}  // namespace hpc::image::oci
