// One layer's tar stream applied to the tree as it goes by: libarchive reads the tar (every
// dialect: ustar, PAX, GNU long names and sparse files) through the layer's decompressor, each
// regular file's data goes straight into the squashfs stream, and the blob's digest is checked
// when the tar ends. Nothing is written anywhere else.
#pragma once

#include "image/layers/layer_tree.hpp"
#include "image/oci/oci_image.hpp"
#include "image/write/squashfs_stream.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace hpc::image::layers {

struct LayerInput {
    oci::BlobStream& blob;
    oci::Compression compression;
    std::string label;  // "layer 2 (sha256:ab12cd34ef56)", for messages
};

// Applies the layer (tree.start_layer done by the caller). Throws hpc::Error(data) naming the
// layer and, where there is one, the entry: a corrupt or truncated stream, a name that escapes
// the root, a hard link to nothing, a digest that does not match. `on_progress` hears the
// blob's bytes read so far, now and then; it may throw to stop.
void apply_layer(const LayerInput& layer, LayerTree& tree, SquashfsStream& stream,
                 const std::function<void(uint64_t)>& on_progress);

}  // namespace hpc::image::layers
