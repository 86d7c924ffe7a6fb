// A GPU vendor's driver as the host has it, for --nv (NVIDIA) and --rocm (AMD): its user-space
// libraries, found as the dynamic loader finds them (the user's LD_LIBRARY_PATH, then
// /etc/ld.so.cache, then the default directories: a node whose driver lives in
// /usr/local/nvidia/lib64 lists it in the cache alone), its programs on the user's PATH, its
// device nodes, and its GPUs in the node's order, with the nodes each one needs.
#pragma once

#include "mpi/file_view.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::gpu {

enum class Vendor { nvidia, amd };

// "--nv" or "--rocm": how the user asked for a vendor, for messages.
const char* option_name(Vendor vendor);

struct DriverFile {
    std::string name;  // its name in the container: "libcuda.so.1", "nvidia-smi"
    std::string path;  // canonical host path
    bool user_chosen = false;  // found through the user's LD_LIBRARY_PATH or PATH

    bool operator==(const DriverFile&) const = default;
};

struct Gpu {
    unsigned index = 0;  // its number on the node (nvidia-smi's, rocm-smi's)
    std::string uuid;    // "GPU-8f6c...", as the *_VISIBLE_DEVICES variables may name it; "" when unknown
    std::vector<std::string> device_nodes;  // "/dev/nvidia0"; "/dev/dri/card1", "/dev/dri/renderD129"

    bool operator==(const Gpu&) const = default;
};

struct HostGpu {
    std::vector<DriverFile> libraries;  // 64-bit, of hpc's architecture, one per name
    std::vector<DriverFile> programs;
    // Device nodes every GPU needs ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/kfd"), and
    // /dev/nvidia-caps, a directory of them; only those the host has.
    std::vector<std::string> control_nodes;
    std::vector<Gpu> gpus;  // in index order
    // Host directories the driver reads at their own paths (NVIDIA's GSP firmware for this
    // driver version); only those the host has.
    std::vector<std::string> directories;
    std::string driver_version;  // "580.159.04"; "" when no driver is loaded
};

struct GpuQuery {
    Vendor vendor = Vendor::nvidia;
    std::vector<std::string> libraries;  // names as the lists give them, "libcuda.so": every version
    std::vector<std::string> programs;   // "nvidia-smi"
    std::vector<std::string> ld_library_path;  // the user's LD_LIBRARY_PATH, split
    std::vector<std::string> path;             // the user's PATH, split
};

// What of the host the search reads, so that tests can invent one.
struct GpuHostView {
    mpi::FileView files;
    // A small text file of /proc or /sys (their sizes say 0, so they are read, not mapped);
    // nullopt when missing.
    std::function<std::optional<std::string>(const std::string& path)> read_text;
    // Whether `path` is a character device (links followed).
    std::function<bool(const std::string& path)> is_character_device;
    // Whether `path` is a file the user may execute (links followed).
    std::function<bool(const std::string& path)> is_executable;
};

// Whether a library's file name is one a list's entry names: "libcuda.so" stands for itself and
// its versions ("libcuda.so.1", "libcuda.so.580.159.04"), as Apptainer matches ldconfig's names,
// but not for another library that starts alike ("libcuda.so_old").
bool is_library_named(std::string_view file_name, std::string_view listed);

// The host's real files.
GpuHostView host_gpu_view();

// The driver of `query.vendor` on the host that `view` shows. Never throws for a driver that is
// missing or partial (the result is then empty or partial); throws hpc::Error only for a
// failure to read what is there (a corrupt ld.so.cache).
HostGpu find_host_gpu(const GpuHostView& view, const GpuQuery& query);

}  // namespace hpc::gpu
