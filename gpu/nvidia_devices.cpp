#include "common/text.hpp"
#include "gpu/device_discovery.hpp"

#include <algorithm>

namespace hpc::gpu {
namespace {

constexpr char driver_directory[] = "/proc/driver/nvidia";

// What every GPU's use needs: the control device, unified memory (CUDA allocates through it),
// its tools node (profilers), modeset (display), and the capability nodes MIG and the
// fabric manager hand out.
constexpr std::string_view control_nodes[] = {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
                                              "/dev/nvidia-modeset"};
constexpr char capabilities_directory[] = "/dev/nvidia-caps";

// "Device Minor:  0" -> "0": the value of a "Key: value" line of a /proc information file.
std::optional<std::string_view> field(std::string_view text, std::string_view key) {
    for (std::string_view line : split_lines(text)) {
        if (!line.starts_with(key)) continue;
        std::string_view rest = line.substr(key.size());
        if (!rest.starts_with(':')) continue;
        return trim(rest.substr(1));
    }
    return std::nullopt;
}

bool looks_like_version(std::string_view word) {
    return !word.empty() && word.find('.') != std::string_view::npos &&
           std::all_of(word.begin(), word.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
           word.front() != '.';
}

// "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build ...": the
// first word that is a version, wherever this driver's flavour of the line puts it.
std::string driver_version(const GpuHostView& view) {
    std::optional<std::string> text = view.read_text(std::string(driver_directory) + "/version");
    if (!text) return {};
    std::optional<std::string_view> line = field(*text, "NVRM version");
    if (!line) return {};
    std::string_view rest = *line;
    while (!rest.empty()) {
        size_t space = std::min(rest.find_first_of(" \t"), rest.size());
        if (looks_like_version(rest.substr(0, space))) return std::string(rest.substr(0, space));
        rest = trim_start(rest.substr(space));
    }
    return {};
}

// The GPUs the driver lists, one directory each named by its PCI address: sorted, the
// addresses give the node's numbering (CUDA_DEVICE_ORDER=PCI_BUS_ID's, nvidia-smi's).
std::vector<Gpu> gpus_from_driver(const GpuHostView& view) {
    const std::string directory = std::string(driver_directory) + "/gpus";
    std::vector<std::string> addresses = view.files.list(directory);
    std::sort(addresses.begin(), addresses.end());
    std::vector<Gpu> gpus;
    for (const std::string& address : addresses) {
        std::optional<std::string> information = view.read_text(directory + "/" + address + "/information");
        if (!information) continue;
        std::optional<std::string_view> minor = field(*information, "Device Minor");
        std::optional<unsigned> number = minor ? number_after(*minor, "") : std::nullopt;
        if (!number) continue;
        Gpu gpu;
        gpu.index = static_cast<unsigned>(gpus.size());
        gpu.uuid = std::string(field(*information, "GPU UUID").value_or(""));
        std::string node = "/dev/nvidia" + std::to_string(*number);
        if (view.is_character_device(node)) gpu.device_nodes.push_back(node);
        gpus.push_back(std::move(gpu));
    }
    return gpus;
}

// Without the driver's own list: /dev/nvidiaN, numbered as their minors are.
std::vector<Gpu> gpus_from_nodes(const GpuHostView& view) {
    std::vector<Gpu> gpus;
    for (unsigned minor : numbered_devices(view, "/dev", "nvidia")) {
        Gpu gpu;
        gpu.index = static_cast<unsigned>(gpus.size());
        gpu.device_nodes.push_back("/dev/nvidia" + std::to_string(minor));
        gpus.push_back(std::move(gpu));
    }
    return gpus;
}

}  // namespace

void find_nvidia_devices(const GpuHostView& view, HostGpu& gpu) {
    for (std::string_view node : control_nodes)
        if (view.is_character_device(std::string(node))) gpu.control_nodes.emplace_back(node);
    if (view.files.is_directory(capabilities_directory)) gpu.control_nodes.emplace_back(capabilities_directory);
    gpu.gpus = view.files.is_directory(std::string(driver_directory) + "/gpus") ? gpus_from_driver(view)
                                                                                  : gpus_from_nodes(view);
    gpu.driver_version = driver_version(view);
    // The GSP firmware of this driver version, which the driver's user-space libraries look
    // for beside the kernel's (NVIDIA's container toolkit binds it too).
    if (!gpu.driver_version.empty()) {
        std::string firmware = "/lib/firmware/nvidia/" + gpu.driver_version;
        if (std::optional<std::string> canonical = view.files.canonical(firmware))
            if (view.files.is_directory(*canonical)) gpu.directories.push_back(*canonical);
    }
}

}  // namespace hpc::gpu
