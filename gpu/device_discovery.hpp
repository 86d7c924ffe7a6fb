// Each vendor's device nodes and GPUs, as the kernel driver shows them (find_host_gpu's parts).
#pragma once

#include "gpu/host_gpu.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::gpu {

// NVIDIA's: the control nodes, each GPU's /dev/nvidiaN in the order of its PCI address (the
// node's numbering, nvidia-smi's) from /proc/driver/nvidia/gpus, the driver's version and its
// firmware directory. Without /proc/driver/nvidia (no driver loaded, or a test host), the
// /dev/nvidiaN nodes in numeric order.
void find_nvidia_devices(const GpuHostView& view, HostGpu& gpu);

// AMD's: /dev/kfd, and each GPU's /dev/dri/renderDN and cardN in the order of its KFD topology
// node (ROCm's numbering); without the topology, the render nodes in numeric order.
void find_amd_devices(const GpuHostView& view, HostGpu& gpu);

// The numbers N of the character devices DIRECTORY/PREFIXN ("/dev/nvidia0"), in numeric order.
std::vector<unsigned> numbered_devices(const GpuHostView& view, const std::string& directory, std::string_view prefix);

// The number that ends `name` after `prefix` ("nvidia12" after "nvidia"), if that is all it is.
std::optional<unsigned> number_after(std::string_view name, std::string_view prefix);

}  // namespace hpc::gpu
