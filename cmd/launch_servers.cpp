#include "cmd/launch_servers.hpp"

#include "cmd/report.hpp"

#include <algorithm>

namespace hpc::cmd {
namespace {

// The server shows as owners only the ids the container's user namespace maps; with more
// than the user's own (--fakeroot), processes of the others may read the image too.
// `file`: the canonical path of the file served, which fuse2fs may write in place too (a SIF's
// own overlay partition, --writable).
image::ServeOptions serving_options(const sandbox::LaunchPlan& plan, const std::string& file) {
    image::ServeOptions options;
    for (const sandbox::IdMap& map : plan.uid_map) options.mapped_uids.push_back({map.inside, map.count});
    for (const sandbox::IdMap& map : plan.gid_map) options.mapped_gids.push_back({map.inside, map.count});
    options.allow_other = plan.uid_map.size() > 1;
    options.written_in_place = std::any_of(plan.images.begin(), plan.images.end(), [&file](const sandbox::ImageMount& mount) {
        return mount.writable && mount.path == file;
    });
    return options;
}

}  // namespace

LaunchServers::LaunchServers(const image::ImageFile& image, const launch::ImageFiles& files,
                             const sandbox::LaunchPlan& plan)
    : image_(image), plan_(plan) {
    if (image.format() != image::ImageFormat::directory) root_.emplace(image, serving_options(plan, image.resolved_path()));
    for (const sandbox::ImageMount& mount : plan.images)
        if (mount.file_system == sandbox::ImageMount::FileSystem::squashfs)
            images_.emplace_back(
                std::make_unique<image::SquashfsServer>(files.file_of(mount), serving_options(plan, mount.path)));
        else
            images_.emplace_back();
}

void LaunchServers::attach(sandbox::ExecutorHooks& hooks) {
    hooks.mount_squashfs = [this](const std::string& target) { root_->mount(target); };
    hooks.mount_image = [this](std::size_t index, const std::string& target) {
        images_.at(index)->mount(target);
        images_.at(index)->seal();
    };
    hooks.root_complete = [this] {
        if (root_) root_->seal();
    };
}

std::vector<std::string> LaunchServers::failure_warnings() const {
    std::vector<std::string> warnings;
    auto add = [&warnings](const std::string& image, const image::SquashfsServer& server) {
        if (std::optional<std::string> warning = image::describe(image, server.failures()))
            warnings.push_back(*warning);
    };
    if (root_) add(image_.path(), *root_);
    for (std::size_t index = 0; index < images_.size(); ++index)
        if (images_[index]) add(plan_.images[index].path, *images_[index]);
    return warnings;
}

void LaunchServers::warn_of_failed_reads() const {
    for (const std::string& warning : failure_warnings()) report_warning(warning);
}

uint64_t LaunchServers::failed_reads() const {
    uint64_t count = root_ ? root_->failures().count : 0;
    for (const auto& server : images_)
        if (server) count += server->failures().count;
    return count;
}

std::string LaunchServers::failed_reads_lines(uint64_t since) const {
    std::string lines;
    if (failed_reads() > since)
        for (const std::string& warning : failure_warnings()) lines += warning_line(warning);
    return lines;
}

std::optional<std::string> LaunchServers::describe_root_serving() const {
    if (!root_) return std::nullopt;
    image::ServeStats stats = root_->stats();
    return "served " + std::to_string(stats.read_requests) + " reads (" + std::to_string(stats.bytes_served) +
           " bytes) and " + std::to_string(stats.lookup_requests) + " lookups with " + std::to_string(stats.threads) +
           " threads; decompressed " + std::to_string(stats.blocks_decoded) + " blocks (" +
           std::to_string(stats.decoded_bytes) + " bytes), " + std::to_string(stats.cache_hits) + " cache hits";
}

}  // namespace hpc::cmd
