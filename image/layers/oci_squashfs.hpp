// An OCI image written as a squashfs straight from its layer streams: each layer applied in
// order (layer_reader), file data streamed into the squashfs as its tar entry goes by, then the
// host's small trees merged on top (the /.singularity.d a build adds), then the tables. Nothing
// is unpacked: the only bytes written are the squashfs's. A file a later layer deletes has had
// its data written already and stays in the squashfs unreferenced (files a later layer
// rewrites unchanged, as `chown -R` in a Dockerfile does, are stored once: libsquashfs finds
// the duplicate blocks); one pass over the layers is worth that.
#pragma once

#include "image/oci/oci_image.hpp"
#include "image/write/squashfs_writer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hpc::image::layers {

// A host directory merged over the layers, its files owned by root: where `replace`, what it
// holds replaces what the layers have at the same paths; otherwise only what they lack is added.
struct HostTree {
    std::string directory;
    bool replace = false;
};

struct OciSquashfsRequest {
    oci::ImageSource& source;
    const oci::Image& image;
    std::vector<HostTree> host_trees;  // merged in order, after the layers
};

// Writes at `offset` of `fd` as write_squashfs does, owners as the layers say (options.all_root
// is not used). options.progress hears each layer's stored bytes. Throws hpc::Error: data
// naming the layer and entry (image/layers/layer_reader.hpp), and write_squashfs's.
SquashfsWriteResult write_oci_squashfs(const OciSquashfsRequest& request, int fd, uint64_t offset,
                                       const SquashfsWriteOptions& options);

}  // namespace hpc::image::layers
