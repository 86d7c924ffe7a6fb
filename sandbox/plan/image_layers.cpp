#include "sandbox/plan/image_layers.hpp"

#include "common/error.hpp"
#include "common/path_in_root.hpp"
#include "sandbox/plan/site_policy.hpp"

#include <algorithm>

namespace hpc::sandbox {
namespace {

[[noreturn]] void usage_error(std::string message) { throw Error(ExitCode::usage, std::move(message)); }

// The file system `query` names in the host's file `canonical`, for `purpose`.
ImageMount image_mount(const HostFacts& host, const std::string& canonical, const ImageFileQuery& query,
                       bool writable, const std::string& purpose) {
    if (!host.image_file) throw Error(ExitCode::software, purpose + ": no way to read image files was given");
    ImageMount mount;
    try {
        mount = host.image_file(canonical, query);
    } catch (const Error& error) {
        throw error.within(purpose);
    }
    mount.writable = writable && mount.file_system == ImageMount::FileSystem::ext3;
    mount.purpose = purpose;
    return mount;
}

// Keeps the one writable layer: a second, or one with --writable on a directory image, is refused.
class WritableLayer {
public:
    explicit WritableLayer(const LaunchRequest& request) : root_writable_(request.writable) {}
    void claim(const std::string& what) {
        if (!claimed_.empty())
            usage_error("--overlay: only one overlay can be writable, and " + claimed_ + " and " + what +
                        " both are (add :ro to one)");
        claimed_ = what;
    }
    void claim_overlay(const std::string& what) {
        if (root_writable_) usage_error("--overlay " + what + ": --writable and a writable overlay cannot be used together");
        claim(what);
    }

private:
    bool root_writable_;
    std::string claimed_;
};

}  // namespace

std::size_t add_image_mount(std::vector<ImageMount>& images, ImageMount mount) {
    auto same = [&](const ImageMount& other) {
        return !other.writable && !mount.writable && other.path == mount.path && other.offset == mount.offset &&
               other.device == mount.device && other.inode == mount.inode;
    };
    auto found = std::find_if(images.begin(), images.end(), same);
    if (found != images.end()) return static_cast<std::size_t>(found - images.begin());
    images.push_back(std::move(mount));
    return images.size() - 1;
}

std::vector<OverlayLayer> plan_layers(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                                      const site::SiteConfig& site, std::vector<ImageMount>& images) {
    std::vector<OverlayLayer> layers;
    WritableLayer writable(request);
    if (image.overlay_partition) {
        // The image's own, checked with it: its writes go back into the SIF with --writable.
        std::string what = image.path + "'s overlay partition";
        ImageMount mount = image_mount(host, image.path, {.sif_id = std::nullopt, .overlay_partition = true},
                                       request.writable, what);
        if (mount.writable) writable.claim(what);
        layers.push_back({"", add_image_mount(images, std::move(mount)), request.writable});
    }
    for (const OverlaySpec& overlay : request.overlays) {
        std::string what = "--overlay " + overlay.path;
        std::optional<std::string> canonical = host.canonical(absolute_from(host.cwd, overlay.path));
        if (!canonical) throw Error(ExitCode::no_input, what + ": no such file or directory");
        check_bind_source(site, *canonical);
        if (host.is_directory && host.is_directory(*canonical)) {
            if (!overlay.read_only) writable.claim_overlay(overlay.path);
            layers.push_back({*canonical, std::nullopt, !overlay.read_only});
            continue;
        }
        ImageMount mount = image_mount(host, *canonical, {.sif_id = std::nullopt, .overlay_partition = true},
                                       !overlay.read_only, what);
        if (mount.writable) writable.claim_overlay(overlay.path);
        bool layer_writable = mount.writable;
        layers.push_back({"", add_image_mount(images, std::move(mount)), layer_writable});
    }
    return layers;
}

MountStep image_bind_step(const BindSpec& bind, const std::string& canonical, const std::string& destination,
                          const std::string& what, const HostFacts& host, std::vector<ImageMount>& images) {
    ImageMount mount = image_mount(host, canonical, {.sif_id = bind.image_id, .overlay_partition = false}, false, what);
    MountStep step;
    step.kind = MountKind::image;
    step.source = normalize_absolute(bind.image_source.value_or("/"));
    step.target = destination;
    step.read_only = true;
    step.image = add_image_mount(images, std::move(mount));
    step.purpose = what;
    return step;
}

}  // namespace hpc::sandbox
