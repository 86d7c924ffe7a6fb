#include "common/text.hpp"
#include "gpu/device_discovery.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace hpc::gpu {
namespace {

// The kernel's compute interface (amdkfd): every ROCm process opens it, whichever GPU it uses.
constexpr char kfd_node[] = "/dev/kfd";
constexpr char topology_directory[] = "/sys/class/kfd/kfd/topology/nodes";
// DRM's render nodes are numbered from 128, its primary (card) nodes from 0, one of each per GPU.
constexpr unsigned first_render_minor = 128;

// "drm_render_minor 128" -> 128: a value of a KFD node's properties file, one "name value" a line.
std::optional<unsigned long long> property(std::string_view text, std::string_view name) {
    for (std::string_view line : split_lines(text)) {
        if (!line.starts_with(name) || line.size() <= name.size() || line[name.size()] != ' ') continue;
        std::string_view digits = trim(line.substr(name.size()));
        unsigned long long value = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
        return value;
    }
    return std::nullopt;
}

void add_nodes(const GpuHostView& view, unsigned render_minor, Gpu& gpu) {
    for (const std::string& node : {"/dev/dri/card" + std::to_string(render_minor - first_render_minor),
                                    "/dev/dri/renderD" + std::to_string(render_minor)})
        if (view.is_character_device(node)) gpu.device_nodes.push_back(node);
}

// The GPUs among KFD's topology nodes (a CPU's has gpu_id 0), in the nodes' order: ROCm's
// numbering for ROCR_VISIBLE_DEVICES. Its UUID is "GPU-" and the unique_id in hexadecimal.
std::vector<Gpu> gpus_from_topology(const GpuHostView& view) {
    std::vector<unsigned> numbers;
    for (const std::string& name : view.files.list(topology_directory))
        if (std::optional<unsigned> number = number_after(name, "")) numbers.push_back(*number);
    std::sort(numbers.begin(), numbers.end());
    std::vector<Gpu> gpus;
    for (unsigned number : numbers) {
        std::optional<std::string> text =
            view.read_text(std::string(topology_directory) + "/" + std::to_string(number) + "/properties");
        if (!text || property(*text, "gpu_id").value_or(0) == 0) continue;
        std::optional<unsigned long long> render_minor = property(*text, "drm_render_minor");
        Gpu gpu;
        gpu.index = static_cast<unsigned>(gpus.size());
        if (std::optional<unsigned long long> unique_id = property(*text, "unique_id"); unique_id && *unique_id != 0) {
            char hex[17];
            std::snprintf(hex, sizeof hex, "%016llx", *unique_id);
            gpu.uuid = std::string("GPU-") + hex;
        }
        if (render_minor && *render_minor >= first_render_minor && *render_minor < first_render_minor + 128)
            add_nodes(view, static_cast<unsigned>(*render_minor), gpu);
        gpus.push_back(std::move(gpu));
    }
    return gpus;
}

std::vector<Gpu> gpus_from_nodes(const GpuHostView& view) {
    std::vector<Gpu> gpus;
    for (unsigned minor : numbered_devices(view, "/dev/dri", "renderD")) {
        if (minor < first_render_minor || minor >= first_render_minor + 128) continue;
        Gpu gpu;
        gpu.index = static_cast<unsigned>(gpus.size());
        add_nodes(view, minor, gpu);
        if (!gpu.device_nodes.empty()) gpus.push_back(std::move(gpu));
    }
    return gpus;
}

}  // namespace

void find_amd_devices(const GpuHostView& view, HostGpu& gpu) {
    if (!view.is_character_device(kfd_node)) return;  // no ROCm kernel driver: a display GPU is none of ours
    gpu.control_nodes.emplace_back(kfd_node);
    gpu.gpus = view.files.is_directory(topology_directory) ? gpus_from_topology(view) : gpus_from_nodes(view);
}

}  // namespace hpc::gpu
