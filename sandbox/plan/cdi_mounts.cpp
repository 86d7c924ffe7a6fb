#include "common/error.hpp"
#include "common/path_in_root.hpp"
#include "sandbox/plan/gpu_mounts.hpp"
#include "sandbox/plan/site_policy.hpp"

namespace hpc::sandbox {
namespace {

std::string joined(const std::vector<std::string>& words) {
    std::string text;
    for (const std::string& word : words) text += (text.empty() ? "" : ", ") + word;
    return text;
}

}  // namespace

void plan_cdi_devices(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site,
                      DeviceMounts& mounts) {
    if (!host.cdi) throw Error(ExitCode::software, "--device: no way to read the host's CDI specs");
    // Specs in the site's directories are root's, as its own binds are; those of a directory the
    // user named are the user's, and each host path in them is judged as a -B source would be.
    bool user_specs = !request.cdi_directories.empty();
    gpu::CdiEdits edits =
        host.cdi(request.devices, user_specs ? request.cdi_directories : site.gpu.cdi_directories);
    const std::string purpose = "cdi: " + joined(edits.devices);

    // A spec's paths are absolute (gpu/ checked); "/" would cover the whole container.
    auto target = [&](const std::string& path) {
        std::string normal = normalize_absolute(path);
        if (normal == "/") throw Error(ExitCode::data, purpose + ": " + path + ": cannot mount over the container's root");
        return normal;
    };
    auto host_source = [&](const std::string& path, const std::string& what) {
        std::optional<std::string> canonical = host.canonical(path);
        if (!canonical) throw Error(ExitCode::no_input, purpose + ": " + what + " " + path + " does not exist");
        if (user_specs) check_bind_source(site, *canonical);
        return *canonical;
    };
    for (const gpu::CdiDeviceNode& node : edits.device_nodes) {
        mounts.steps.push_back(
            bind_step(host_source(node.host_path, "device node"), target(node.container_path), false, purpose));
    }
    for (const gpu::CdiMount& mount : edits.mounts) {
        if (mount.tmpfs) {
            mounts.steps.push_back(tmpfs_step(target(mount.container_path), mount.options, purpose));
            continue;
        }
        // A bind's source decides whether a directory or a file is made for it (the executor's).
        mounts.steps.push_back(
            bind_step(host_source(mount.host_path, "mount source"), target(mount.container_path), mount.read_only, purpose));
    }
    for (const gpu::CdiSymlink& link : edits.symlinks) {
        MountStep step;
        step.kind = MountKind::symlink;
        step.source = link.target;
        step.target = target(link.link);
        step.is_directory = false;
        step.purpose = purpose;
        mounts.steps.push_back(std::move(step));
    }
    for (const std::string& directory : edits.library_directories) mounts.library_directories.push_back(directory);
    for (const std::string& variable : edits.env) {
        size_t equals = variable.find('=');
        mounts.variables.emplace_back(variable.substr(0, equals), equals == std::string::npos ? "" : variable.substr(equals + 1));
    }
}

}  // namespace hpc::sandbox
