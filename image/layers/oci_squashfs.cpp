#include "image/layers/oci_squashfs.hpp"

#include "common/error.hpp"
#include "image/layers/layer_reader.hpp"
#include "image/layers/layer_tree.hpp"
#include "image/write/file_data_writer.hpp"
#include "image/write/squashfs_stream.hpp"
#include "image/write/tree_scanner.hpp"

#include <sys/stat.h>

#include <vector>

namespace hpc::image::layers {
namespace {

constexpr std::size_t read_size = 1 << 20;

// Reports at most every 1% of the layers' bytes (and at each layer's start and end), so that a
// terminal line is not rewritten for every block.
class LayerProgress {
public:
    LayerProgress(const oci::Image& image, const SquashfsWriteOptions& options) : callback_(options.progress) {
        state_.layers = static_cast<uint32_t>(image.layers.size());
        for (const oci::Layer& layer : image.layers) state_.bytes_total += layer.descriptor.size;
        step_ = std::max<uint64_t>(state_.bytes_total / 100, 1);
    }

    void start_layer(uint32_t number) {
        state_.layer = number;
        layer_start_ = state_.bytes_done;
        report();
    }
    void layer_bytes(uint64_t read) {
        state_.bytes_done = layer_start_ + read;
        if (state_.bytes_done - reported_ >= step_) report();
    }
    void finish() { report(); }

private:
    void report() {
        reported_ = state_.bytes_done;
        if (callback_) callback_(state_);
    }

    const std::function<void(const SquashfsWriteProgress&)>& callback_;
    SquashfsWriteProgress state_;
    uint64_t layer_start_ = 0, reported_ = 0, step_ = 1;
};

// The components of a scanned node's path below the scanned root.
std::vector<std::string> components(const SourceTree& tree, uint32_t index) {
    std::vector<std::string> path;
    for (uint32_t at = index; at != 0; at = tree.nodes[at].parent) path.emplace_back(tree.name(tree.nodes[at]));
    return {path.rbegin(), path.rend()};
}

void merge_host_tree(const HostTree& host, LayerTree& layers, SquashfsStream& stream, std::vector<char>& buffer) {
    SourceTree tree = scan_tree(host.directory, {.all_root = true, .record_xattrs = {}});
    for (uint32_t index = 1; index < tree.nodes.size(); ++index) {
        const SourceNode& node = tree.nodes[index];
        std::vector<std::string> path = components(tree, index);
        if (!host.replace && layers.exists(path)) continue;
        EntryAttributes attributes;
        attributes.mode = node.mode;
        attributes.mtime = node.mtime;
        if (S_ISREG(node.mode)) {
            attributes.size = node.size;
            attributes.file_index = pack_file(stream, tree.path(index), buffer, {});
        } else if (S_ISLNK(node.mode)) {
            attributes.link_target = std::string(tree.link_target(node));
        } else if (S_ISBLK(node.mode) || S_ISCHR(node.mode)) {
            attributes.device = node.device;
        }
        layers.add(path, attributes);
    }
}

}  // namespace

SquashfsWriteResult write_oci_squashfs(const OciSquashfsRequest& request, int fd, uint64_t offset,
                                       const SquashfsWriteOptions& options) {
    SquashfsStream stream(fd, offset, options);
    LayerTree tree;
    LayerProgress progress(request.image, options);
    const auto& layers = request.image.layers;
    for (uint32_t index = 0; index < layers.size(); ++index) {
        const oci::Layer& layer = layers[index];
        progress.start_layer(index + 1);
        tree.start_layer(index);
        std::unique_ptr<oci::BlobStream> blob = request.source.open_layer(layer);
        LayerInput input{*blob, layer.compression,
                         "layer " + std::to_string(index + 1) + " (" + oci::short_digest(layer.descriptor.digest) + ")"};
        apply_layer(input, tree, stream, [&progress](uint64_t read) { progress.layer_bytes(read); });
    }
    progress.finish();
    std::vector<char> buffer(read_size);
    tree.start_layer(static_cast<uint32_t>(layers.size()));
    for (const HostTree& host : request.host_trees) merge_host_tree(host, tree, stream, buffer);
    return stream.finish(tree.source_tree());
}

}  // namespace hpc::image::layers
