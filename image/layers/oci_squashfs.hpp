// An OCI image written as a squashfs straight from its layer streams, nothing unpacked: the
// layers' tars read once for the tree they make (layer_reader), the host's small trees merged
// on top (the /.singularity.d a build adds), then read again for the data of the files that tree
// still names, streamed into the squashfs as their entries go by, then the tables. The only
// bytes written are the squashfs's, and no file a later layer deletes or replaces is among them:
// reading a layer twice (inflating it again) costs less than compressing and storing the dead
// files (on bench/oci's 3-layer Debian image, whose last layer deletes the documentation, 14%
// of the SIF, for 0.5 s more).
#pragma once

#include "image/oci/oci_image.hpp"
#include "image/write/squashfs_writer.hpp"

#include <cstdint>
#include <functional>
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
    // For a tree an ordinary user copies out (a sandbox): devices written as empty files, as
    // umoci's rootless unpack does; `warn` hears how many.
    bool devices_as_files = false;
    std::function<void(const std::string&)> warn;
};

// Writes at `offset` of `fd` as write_squashfs does, owners as the layers say (options.all_root
// is not used). options.progress hears each layer's stored bytes. Throws hpc::Error: data
// naming the layer and entry (image/layers/layer_reader.hpp), and write_squashfs's.
SquashfsWriteResult write_oci_squashfs(const OciSquashfsRequest& request, int fd, uint64_t offset,
                                       const SquashfsWriteOptions& options);

}  // namespace hpc::image::layers
