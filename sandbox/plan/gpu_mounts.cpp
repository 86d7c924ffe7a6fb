#include "sandbox/plan/gpu_mounts.hpp"

#include "common/environ.hpp"
#include "common/error.hpp"
#include "sandbox/plan/mount_visibility.hpp"
#include "sandbox/plan/site_policy.hpp"
#include "sandbox/plan/visible_gpus.hpp"

#include <algorithm>

namespace hpc::sandbox {
namespace {

// What the messages and --dry-run call a vendor's driver and its parts.
struct VendorWords {
    gpu::Vendor vendor;
    const char* purpose;       // "nv": --dry-run's "# nv: library"
    const char* name;          // "NVIDIA"
    const char* key_library;   // what a driver without it is not
    const char* control_node;  // likewise
};

constexpr VendorWords nvidia_words{gpu::Vendor::nvidia, "nv", "NVIDIA", "libcuda.so", "/dev/nvidiactl"};
constexpr VendorWords amd_words{gpu::Vendor::amd, "rocm", "AMD", "libhsa-runtime64.so", "/dev/kfd"};

// A file bound read-only at `target`, checked against the site's policy when the user's
// search path found it.
MountStep driver_file(const gpu::DriverFile& file, const std::string& target, const site::SiteConfig& site,
                      const std::string& purpose) {
    if (file.user_chosen) check_bind_source(site, file.path);
    return bind_step(file.path, target, true, purpose);
}

// Whether the vendor's key library is among those found: a node with Mesa's libGL and
// libOpenCL, which the lists name too, has no NVIDIA driver for all that.
bool has_key_library(const VendorWords& words, const gpu::HostGpu& found) {
    return std::any_of(found.libraries.begin(), found.libraries.end(), [&](const gpu::DriverFile& library) {
        return gpu::is_library_named(library.name, words.key_library);
    });
}

// The line a node whose driver is missing in part is worth; nullopt when it is whole.
std::optional<std::string> partial_driver(const VendorWords& words, const gpu::HostGpu& found) {
    std::string option = gpu::option_name(words.vendor);
    if (found.control_nodes.empty())
        return option + ": no " + words.name + " device nodes (" + words.control_node +
               ") on this node: the driver's libraries are bound, but no GPU can be used";
    if (!has_key_library(words, found))
        return option + ": no " + words.name + " driver library (no " + words.key_library +
               " in LD_LIBRARY_PATH or /etc/ld.so.cache): the device nodes are bound, and the image must bring "
               "the driver's libraries";
    return std::nullopt;
}

// MPS's pipe and log directories, when the user's environment names them and the container
// would not show them: a client reaches the MPS server through the pipes, read-write.
void plan_mps_directories(const HostFacts& host, const site::SiteConfig& site, std::vector<MountStep> visible,
                          DeviceMounts& mounts) {
    for (const char* variable : {"CUDA_MPS_PIPE_DIRECTORY", "CUDA_MPS_LOG_DIRECTORY"}) {
        std::optional<std::string_view> path = environ_value(host.environ, variable);
        if (!path || path->empty() || path->front() != '/') continue;
        std::optional<std::string> canonical = host.canonical(std::string(*path));
        if (!canonical) {
            mounts.warnings.push_back(std::string("--nv: ") + variable + " " + std::string(*path) +
                                      " is not bound: it does not exist");
            continue;
        }
        if (shows_host_path(visible, std::string(*path), *canonical, host.canonical)) continue;
        try {
            check_bind_source(site, *canonical);
        } catch (const Error& error) {
            mounts.warnings.push_back(std::string("--nv: ") + variable + " " + std::string(*path) +
                                      " is not bound: " + error.what());
            continue;
        }
        MountStep step = bind_step(*canonical, std::string(*path), false, std::string("nv: ") + variable);
        visible.push_back(step);
        mounts.steps.push_back(std::move(step));
    }
}

void plan_vendor(const VendorWords& words, const LaunchRequest& request, const HostFacts& host,
                 const site::SiteConfig& site, const std::vector<MountStep>& planned, DeviceMounts& mounts) {
    std::string option = gpu::option_name(words.vendor);
    if (!host.gpu) throw Error(ExitCode::software, option + ": no way to look for the host's GPU driver");
    bool nvidia = words.vendor == gpu::Vendor::nvidia;
    gpu::GpuQuery query;
    query.vendor = words.vendor;
    query.libraries = nvidia ? site.gpu.nvidia_libraries : site.gpu.rocm_libraries;
    query.programs = nvidia ? site.gpu.nvidia_programs : site.gpu.rocm_programs;
    query.ld_library_path = environ_directories(host.environ, "LD_LIBRARY_PATH");
    query.path = environ_directories(host.environ, "PATH");
    gpu::HostGpu found = host.gpu(query);

    if (!has_key_library(words, found) && found.control_nodes.empty()) {
        std::string missing = option + ": no " + words.name + " driver found on this node (no " + words.key_library +
                              " in LD_LIBRARY_PATH or /etc/ld.so.cache, no " + words.control_node + ")";
        if (site.gpu.require_driver) throw Error(ExitCode::unavailable, missing + " (the site's gpu.require_driver)");
        mounts.warnings.push_back(missing + ": the container runs without it");
        return;
    }
    if (std::optional<std::string> partial = partial_driver(words, found)) {
        if (site.gpu.require_driver) throw Error(ExitCode::unavailable, *partial + " (the site's gpu.require_driver)");
        mounts.warnings.push_back(*partial);
    }
    const std::string purpose = words.purpose;
    // A tmpfs of the launch's own, as Apptainer's session directory is (what the image had there
    // is hidden): a mount point per library made in the image's tree costs a round trip to its
    // server each, 0.5 ms a library here.
    // Read-only once the libraries are bound in it.
    if (!found.libraries.empty())
        mounts.steps.push_back(
            tmpfs_step(std::string(bound_libraries_directory), "mode=0755", purpose + ": libraries", true));
    for (const gpu::DriverFile& library : found.libraries)
        mounts.steps.push_back(driver_file(library, std::string(bound_libraries_directory) + "/" + library.name, site,
                                           purpose + ": library"));
    if (!found.libraries.empty()) mounts.library_directories.emplace_back(bound_libraries_directory);
    for (const gpu::DriverFile& program : found.programs)
        mounts.steps.push_back(driver_file(program, "/usr/bin/" + program.name, site, purpose + ": program"));

    // Device nodes are the host's own (a user namespace cannot make one), read-write.
    std::vector<gpu::Gpu> gpus = found.gpus;
    if (request.contain) {
        VisibleGpus visible = visible_gpus(words.vendor, found.gpus, host.environ);
        gpus = std::move(visible.gpus);
        if (visible.renumbered) mounts.variables.push_back(*visible.renumbered);
        for (std::string& warning : visible.warnings) mounts.warnings.push_back(option + ": " + warning);
    }
    for (const std::string& node : found.control_nodes)
        mounts.steps.push_back(bind_step(node, node, false, purpose + ": device"));
    for (const gpu::Gpu& gpu : gpus)
        for (const std::string& node : gpu.device_nodes)
            mounts.steps.push_back(bind_step(node, node, false, purpose + ": GPU " + std::to_string(gpu.index)));
    for (const std::string& directory : found.directories)
        mounts.steps.push_back(bind_step(directory, directory, true, purpose + ": firmware"));
    if (nvidia) plan_mps_directories(host, site, planned, mounts);
}

}  // namespace

DeviceMounts plan_device_mounts(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site,
                                const std::vector<MountStep>& planned) {
    DeviceMounts mounts;
    if (request.nv) plan_vendor(nvidia_words, request, host, site, planned, mounts);
    if (request.rocm) plan_vendor(amd_words, request, host, site, planned, mounts);
    if (!request.devices.empty()) plan_cdi_devices(request, host, site, mounts);
    return mounts;
}

}  // namespace hpc::sandbox
