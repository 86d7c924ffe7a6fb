// A layer's tar stream, read in two passes: the first applies its entries to the tree (each
// regular file given an origin number in place of its data), the second streams the data of the
// files the finished tree still names straight into the squashfs. So a file a later layer deletes
// or replaces is never written, and nothing is written anywhere else. libarchive reads the tar
// (every dialect: ustar, PAX, GNU long names and sparse files) through the layer's decompressor;
// the blob's digest is checked at the end of each pass.
#pragma once

#include "image/layers/layer_tree.hpp"
#include "image/oci/oci_image.hpp"
#include "image/write/squashfs_stream.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hpc::image::layers {

struct LayerInput {
    oci::BlobStream& blob;
    oci::Compression compression;
    std::string label;  // "layer 2 (sha256:ab12cd34ef56)", for messages
    std::function<void(uint64_t)> on_progress;  // the blob's bytes read so far, now and then; may throw to stop
    // Block and character devices as empty regular files (their permissions kept): for a tree
    // an ordinary user must be able to copy out (a sandbox), as umoci's rootless unpack does.
    bool devices_as_files = false;
};

struct LayerTreeRead {
    uint32_t regular_files = 0;
    uint32_t devices_as_files = 0;  // of them, devices made regular files
};

// Pass 1 (tree.start_layer done by the caller): the entries applied to `tree`, the k-th regular
// file's file_index set to `first_origin` + k, its extended attributes recorded in `stream`. Throws hpc::Error(data) naming the layer and,
// where there is one, the entry: a corrupt or truncated stream, a name that escapes the root, a
// hard link to nothing, a digest that does not match.
LayerTreeRead read_layer_tree(const LayerInput& layer, LayerTree& tree, SquashfsStream& stream, uint32_t first_origin);

// Pass 2: the data of each regular file whose origin `live` marks, in stream order, into
// `stream`; `file_index[origin]` set to where it went. Throws as read_layer_tree does (a blob
// that changed since pass 1 no longer matches its digest).
void read_layer_data(const LayerInput& layer, SquashfsStream& stream, uint32_t first_origin,
                     const std::vector<bool>& live, std::vector<uint32_t>& file_index);

}  // namespace hpc::image::layers
