#include "image/layers/oci_squashfs.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "image/layers/layer_reader.hpp"
#include "image/layers/layer_tree.hpp"
#include "image/write/file_data_writer.hpp"
#include "image/write/squashfs_stream.hpp"
#include "image/write/tree_scanner.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <vector>

namespace hpc::image::layers {
namespace {

constexpr std::size_t read_size = 1 << 20;
constexpr uint32_t unwritten = 0xFFFFFFFF;

// Each layer is read twice (its tree, then its data): bytes count over both passes. Reports at
// most every 1% (and at each layer's start and end), so that a terminal line is not rewritten
// for every block.
class LayerProgress {
public:
    LayerProgress(const oci::Image& image, const SquashfsWriteOptions& options) : callback_(options.progress) {
        state_.layers = static_cast<uint32_t>(image.layers.size());
        for (const oci::Layer& layer : image.layers) state_.bytes_total += 2 * layer.descriptor.size;
        step_ = std::max<uint64_t>(state_.bytes_total / 100, 1);
    }

    // `number` from 1; the data pass after the tree pass.
    std::function<void(uint64_t)> start_layer(uint32_t number, bool data_pass) {
        state_.layer = number;
        state_.layer_data = data_pass;
        layer_start_ = state_.bytes_done;
        report();
        return [this](uint64_t read) {
            state_.bytes_done = layer_start_ + read;
            if (state_.bytes_done - reported_ >= step_) report();
        };
    }
    void skip_layer(uint64_t bytes) { state_.bytes_done += bytes; }
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

struct HostFile {
    uint32_t origin;
    std::string path;
};

// A host tree's entries into the layer tree, its files numbered from `origins` on (their data
// is streamed once the tree is known, as the layers' is).
void merge_host_tree(const HostTree& host, LayerTree& layers, uint32_t& origins, std::vector<HostFile>& files) {
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
            attributes.file_index = origins++;
            files.push_back({attributes.file_index, tree.path(index)});
        } else if (S_ISLNK(node.mode)) {
            attributes.link_target = std::string(tree.link_target(node));
        } else if (S_ISBLK(node.mode) || S_ISCHR(node.mode)) {
            attributes.device = node.device;
        }
        layers.add(path, attributes);
    }
}

LayerInput layer_input(oci::BlobStream& blob, const oci::Layer& layer, uint32_t index,
                       std::function<void(uint64_t)> on_progress, bool devices_as_files) {
    return {blob, layer.compression,
            "layer " + std::to_string(index + 1) + " (" + oci::short_digest(layer.descriptor.digest) + ")",
            std::move(on_progress), devices_as_files};
}

}  // namespace

SquashfsWriteResult write_oci_squashfs(const OciSquashfsRequest& request, int fd, uint64_t offset,
                                       const SquashfsWriteOptions& options) {
    SquashfsStream stream(fd, offset, options);
    LayerProgress progress(request.image, options);
    const auto& layers = request.image.layers;

    // Pass 1: the tree, every regular file numbered by its origin.
    LayerTree tree;
    std::vector<uint32_t> first_origin;
    uint32_t origins = 0, devices = 0;
    for (uint32_t index = 0; index < layers.size(); ++index) {
        tree.start_layer(index);
        std::unique_ptr<oci::BlobStream> blob = request.source.open_layer(layers[index]);
        first_origin.push_back(origins);
        LayerTreeRead read = read_layer_tree(layer_input(*blob, layers[index], index, progress.start_layer(index + 1, false),
                                                         request.devices_as_files),
                                             tree, stream, origins);
        origins += read.regular_files;
        devices += read.devices_as_files;
    }
    if (devices > 0 && request.warn)
        request.warn(std::to_string(devices) + (devices == 1 ? " device node" : " device nodes") +
                     " written as empty files: an ordinary user cannot make them (as umoci --rootless does)");
    tree.start_layer(static_cast<uint32_t>(layers.size()));
    std::vector<HostFile> host_files;
    for (const HostTree& host : request.host_trees) merge_host_tree(host, tree, origins, host_files);
    SourceTree written = tree.source_tree();

    // Pass 2: the data of the files the tree names, and of no other.
    std::vector<bool> live(origins, false);
    for (uint32_t index = 0; index < written.nodes.size(); ++index) {
        const SourceNode& node = written.nodes[index];
        if (S_ISREG(node.mode) && node.primary == index) live[node.file_index] = true;
    }
    std::vector<uint32_t> file_index(origins, unwritten);
    first_origin.push_back(origins);
    for (uint32_t index = 0; index < layers.size(); ++index) {
        auto begin = live.begin() + first_origin[index], end = live.begin() + first_origin[index + 1];
        if (std::find(begin, end, true) == end) {  // nothing of it is left: not read again
            progress.skip_layer(layers[index].descriptor.size);
            continue;
        }
        std::unique_ptr<oci::BlobStream> blob = request.source.open_layer(layers[index]);
        read_layer_data(layer_input(*blob, layers[index], index, progress.start_layer(index + 1, true),
                                    request.devices_as_files),
                        stream, first_origin[index], live, file_index);
    }
    progress.finish();
    std::vector<char> buffer(read_size);
    for (const HostFile& file : host_files)
        if (live[file.origin]) file_index[file.origin] = pack_file(stream, file.path, buffer, {});

    for (uint32_t index = 0; index < written.nodes.size(); ++index) {
        SourceNode& node = written.nodes[index];
        if (!S_ISREG(node.mode) || node.primary != index) continue;
        node.file_index = file_index[node.file_index];
        if (node.file_index == unwritten)
            throw Error(ExitCode::data, "'" + printable(written.name(node)) + "': its data was not found again in its layer");
    }
    return stream.finish(written);
}

}  // namespace hpc::image::layers
