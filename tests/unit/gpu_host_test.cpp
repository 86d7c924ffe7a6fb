// The GPU driver search (gpu/find_host_gpu) on hosts invented in memory: which libraries the
// loader would load and by which names, programs on PATH, and each vendor's device nodes and
// GPUs as /proc, /sys and /dev show them.
#include "gpu/host_gpu.hpp"
#include "mpi/library_search.hpp"

#include "ld_so_cache_bytes.hpp"

#include <catch2/catch.hpp>

#include <elf.h>

#include <map>
#include <memory>
#include <set>

using namespace hpc::gpu;
using Strings = std::vector<std::string>;

namespace {

// A host in memory: files with their bytes, symlinks (whole paths), directories, device nodes
// and executables.
struct InventedHost {
    std::map<std::string, std::string> files;
    std::map<std::string, std::string> links;
    std::set<std::string> directories;
    std::set<std::string> character_devices;
    std::set<std::string> executables;

    std::string resolve(std::string path) const {
        for (int hops = 0; hops < 8; ++hops) {
            auto link = links.find(path);
            if (link == links.end()) return path;
            path = link->second;
        }
        return path;
    }
    bool exists(const std::string& path) const {
        return files.contains(path) || directories.contains(path) || character_devices.contains(path);
    }

    GpuHostView view() const {
        GpuHostView view;
        view.files.read = [this](const std::string& path) -> std::optional<hpc::mpi::FileBytes> {
            auto file = files.find(resolve(path));
            if (file == files.end()) return std::nullopt;
            return hpc::mpi::FileBytes{file->second, nullptr};
        };
        view.files.list = [this](const std::string& directory) {
            Strings names;
            auto add = [&](const std::string& path) {
                if (path.size() > directory.size() + 1 && path.starts_with(directory + "/") &&
                    path.find('/', directory.size() + 1) == std::string::npos)
                    names.push_back(path.substr(directory.size() + 1));
            };
            for (const auto& [path, bytes] : files) add(path);
            for (const auto& [path, target] : links) add(path);
            for (const std::string& path : directories) add(path);
            for (const std::string& path : character_devices) add(path);
            return names;
        };
        view.files.canonical = [this](const std::string& path) -> std::optional<std::string> {
            std::string resolved = resolve(path);
            if (!exists(resolved)) return std::nullopt;
            return resolved;
        };
        view.files.is_directory = [this](const std::string& path) { return directories.contains(resolve(path)); };
        view.read_text = [this](const std::string& path) -> std::optional<std::string> {
            auto file = files.find(resolve(path));
            if (file == files.end()) return std::nullopt;
            return file->second;
        };
        view.is_character_device = [this](const std::string& path) { return character_devices.contains(resolve(path)); };
        view.is_executable = [this](const std::string& path) { return executables.contains(resolve(path)); };
        return view;
    }
};

// A 64-bit shared object of hpc's machine: the host's own libc's bytes stand in for a driver's.
const std::string& native_library() {
    static const std::string bytes = [] {
        hpc::mpi::LibrarySearch search(hpc::mpi::host_file_view(), {}, {});
        std::optional<hpc::mpi::FoundLibrary> libc = search.find("libc.so.6");
        REQUIRE(libc);
        return std::string(hpc::mpi::host_file_view().read(libc->path)->bytes);
    }();
    return bytes;
}

// The same bytes for another machine: the loader would pass such a library over.
std::string foreign_library() {
    std::string bytes = native_library();
    uint16_t machine = native_library()[18] == static_cast<char>(EM_AARCH64) ? EM_X86_64 : EM_AARCH64;
    std::memcpy(bytes.data() + 18, &machine, 2);
    return bytes;
}

const Strings nvidia_list = {"libcuda.so", "libnvidia-ml.so", "libnvidia-opencl.so", "libGL.so"};

GpuQuery nvidia_query(Strings ld_library_path = {}, Strings path = {}) {
    return {Vendor::nvidia, nvidia_list, {"nvidia-smi", "nvidia-debugdump"}, std::move(ld_library_path), std::move(path)};
}

// gpu-node.md's node: the driver in /usr/local/nvidia/lib64, known to ld.so.cache alone.
InventedHost h200_node() {
    InventedHost host;
    const std::string lib = "/usr/local/nvidia/lib64";
    host.directories = {"/usr/local/nvidia/lib64", "/usr/local/nvidia/bin", "/proc/driver/nvidia",
                        "/proc/driver/nvidia/gpus", "/proc/driver/nvidia/gpus/0000:18:00.0",
                        "/proc/driver/nvidia/gpus/0000:9a:00.0", "/dev/nvidia-caps", "/lib/firmware/nvidia/580.159.04"};
    host.files[lib + "/libcuda.so.580.159.04"] = native_library();
    host.links[lib + "/libcuda.so.1"] = lib + "/libcuda.so.580.159.04";
    host.files[lib + "/libnvidia-ml.so.580.159.04"] = native_library();
    host.links[lib + "/libnvidia-ml.so.1"] = lib + "/libnvidia-ml.so.580.159.04";
    host.files["/etc/ld.so.cache"] = hpc::test::ld_so_cache_bytes(
        {{"libnvidia-ml.so.1", lib + "/libnvidia-ml.so.1"}, {"libcuda.so.1", lib + "/libcuda.so.1"},
         {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}});
    host.files["/usr/local/nvidia/bin/nvidia-smi"] = "#!";
    host.executables = {"/usr/local/nvidia/bin/nvidia-smi"};
    host.files["/proc/driver/nvidia/version"] =
        "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U16)\n"
        "GCC version:  gcc version 12.3.0\n";
    // Listed out of order: the PCI address, not the listing, numbers them.
    host.files["/proc/driver/nvidia/gpus/0000:9a:00.0/information"] =
        "Model: \t\t NVIDIA H200\nGPU UUID: \t GPU-bbbb\nBus Location: \t 0000:9a:00.0\nDevice Minor: \t 0\n";
    host.files["/proc/driver/nvidia/gpus/0000:18:00.0/information"] =
        "Model: \t\t NVIDIA H200\nGPU UUID: \t GPU-aaaa\nBus Location: \t 0000:18:00.0\nDevice Minor: \t 1\n";
    host.character_devices = {"/dev/nvidia0", "/dev/nvidia1", "/dev/nvidiactl", "/dev/nvidia-uvm",
                              "/dev/nvidia-uvm-tools", "/dev/nvidia-caps/nvidia-cap1"};
    return host;
}

Strings names(const std::vector<DriverFile>& files) {
    Strings list;
    for (const DriverFile& file : files) list.push_back(file.name + " " + file.path + (file.user_chosen ? " (user)" : ""));
    return list;
}

}  // namespace

TEST_CASE("gpu host: an H200 node's driver, found through ld.so.cache and /proc/driver/nvidia") {
    InventedHost node = h200_node();
    HostGpu gpu = find_host_gpu(node.view(), nvidia_query({}, {"/usr/bin", "/usr/local/nvidia/bin"}));
    CHECK(names(gpu.libraries) ==
          Strings{"libnvidia-ml.so.1 /usr/local/nvidia/lib64/libnvidia-ml.so.580.159.04",
                  "libcuda.so.1 /usr/local/nvidia/lib64/libcuda.so.580.159.04"});
    CHECK(names(gpu.programs) == Strings{"nvidia-smi /usr/local/nvidia/bin/nvidia-smi (user)"});
    CHECK(gpu.control_nodes == Strings{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-caps"});
    REQUIRE(gpu.gpus.size() == 2);
    CHECK(gpu.gpus[0] == Gpu{0, "GPU-aaaa", {"/dev/nvidia1"}});  // 0000:18 before 0000:9a
    CHECK(gpu.gpus[1] == Gpu{1, "GPU-bbbb", {"/dev/nvidia0"}});
    CHECK(gpu.driver_version == "580.159.04");
    CHECK(gpu.directories == Strings{"/lib/firmware/nvidia/580.159.04"});
}

TEST_CASE("gpu host: LD_LIBRARY_PATH first, every version of a listed name, only what the loader would load") {
    InventedHost node = h200_node();
    const std::string mine = "/home/bob/driver";
    node.directories.insert(mine);
    node.files[mine + "/libcuda.so.999"] = native_library();
    node.links[mine + "/libcuda.so.1"] = mine + "/libcuda.so.999";
    node.links[mine + "/libcuda.so"] = mine + "/libcuda.so.1";
    node.files[mine + "/libcuda.so_old"] = native_library();        // another library that starts alike
    node.files[mine + "/libnvidia-opencl.so.1"] = "INPUT(-lOpenCL)";  // no ELF object: passed over
    node.files[mine + "/libGL.so.1"] = foreign_library();            // another machine's: passed over
    node.files[mine + "/libcudart.so.12"] = native_library();        // not on the list
    HostGpu gpu = find_host_gpu(node.view(), nvidia_query({mine}));
    CHECK(names(gpu.libraries) == Strings{"libcuda.so /home/bob/driver/libcuda.so.999 (user)",
                                          "libcuda.so.1 /home/bob/driver/libcuda.so.999 (user)",
                                          "libcuda.so.999 /home/bob/driver/libcuda.so.999 (user)",
                                          "libnvidia-ml.so.1 /usr/local/nvidia/lib64/libnvidia-ml.so.580.159.04"});
}

TEST_CASE("gpu host: a program is the first on PATH that the user may run") {
    InventedHost node = h200_node();
    node.files["/opt/bin/nvidia-smi"] = "not executable";
    node.files["/usr/bin/nvidia-debugdump"] = "#!";
    node.executables.insert("/usr/bin/nvidia-debugdump");
    HostGpu gpu = find_host_gpu(node.view(), nvidia_query({}, {"/opt/bin", "/usr/local/nvidia/bin", "/usr/bin"}));
    CHECK(names(gpu.programs) == Strings{"nvidia-smi /usr/local/nvidia/bin/nvidia-smi (user)",
                                         "nvidia-debugdump /usr/bin/nvidia-debugdump (user)"});
}

TEST_CASE("gpu host: without /proc/driver/nvidia, the /dev/nvidiaN nodes in numeric order") {
    InventedHost node;
    node.character_devices = {"/dev/nvidia10", "/dev/nvidia2", "/dev/nvidiactl"};
    node.files["/dev/nvidia-fake"] = "";
    HostGpu gpu = find_host_gpu(node.view(), nvidia_query());
    REQUIRE(gpu.gpus.size() == 2);
    CHECK(gpu.gpus[0] == Gpu{0, "", {"/dev/nvidia2"}});
    CHECK(gpu.gpus[1] == Gpu{1, "", {"/dev/nvidia10"}});
    CHECK(gpu.control_nodes == Strings{"/dev/nvidiactl"});
    CHECK(gpu.driver_version.empty());
    CHECK(gpu.directories.empty());
    CHECK(gpu.libraries.empty());
}

TEST_CASE("gpu host: a node without a driver has nothing to bind") {
    InventedHost node;
    node.character_devices = {"/dev/null"};
    HostGpu gpu = find_host_gpu(node.view(), nvidia_query());
    CHECK(gpu.libraries.empty());
    CHECK(gpu.control_nodes.empty());
    CHECK(gpu.gpus.empty());
    GpuQuery amd{Vendor::amd, {"libhsa-runtime64.so"}, {"rocm-smi"}, {}, {}};
    HostGpu none = find_host_gpu(node.view(), amd);
    CHECK(none.control_nodes.empty());
    CHECK(none.gpus.empty());
}

TEST_CASE("gpu host: AMD's GPUs in KFD's topology order, CPUs left out, each with its card and render node") {
    InventedHost node;
    const std::string topology = "/sys/class/kfd/kfd/topology/nodes";
    node.directories = {topology, topology + "/0", topology + "/1", topology + "/2", topology + "/10"};
    node.files[topology + "/0/properties"] = "cpu_cores_count 64\ngpu_id 0\ndrm_render_minor 0\n";
    node.files[topology + "/1/properties"] = "gpu_id 45121\ndrm_render_minor 129\nunique_id 1311768467294899695\n";
    node.files[topology + "/2/properties"] = "gpu_id 3341\ndrm_render_minor 128\nunique_id 0\n";
    node.files[topology + "/10/properties"] = "gpu_id 9\ndrm_render_minor 130\n";
    node.character_devices = {"/dev/kfd",           "/dev/dri/card0",      "/dev/dri/card1",
                              "/dev/dri/renderD128", "/dev/dri/renderD129", "/dev/dri/renderD130"};
    HostGpu gpu = find_host_gpu(node.view(), {Vendor::amd, {}, {}, {}, {}});
    CHECK(gpu.control_nodes == Strings{"/dev/kfd"});
    REQUIRE(gpu.gpus.size() == 3);
    CHECK(gpu.gpus[0] == Gpu{0, "GPU-1234567890abcdef", {"/dev/dri/card1", "/dev/dri/renderD129"}});
    CHECK(gpu.gpus[1] == Gpu{1, "", {"/dev/dri/card0", "/dev/dri/renderD128"}});
    CHECK(gpu.gpus[2] == Gpu{2, "", {"/dev/dri/renderD130"}});  // node 10 after node 2; no card2 here
}

TEST_CASE("gpu host: AMD's render nodes in order when the topology is not there") {
    InventedHost node;
    node.character_devices = {"/dev/kfd", "/dev/dri/renderD129", "/dev/dri/renderD128", "/dev/dri/card0"};
    HostGpu gpu = find_host_gpu(node.view(), {Vendor::amd, {}, {}, {}, {}});
    REQUIRE(gpu.gpus.size() == 2);
    CHECK(gpu.gpus[0] == Gpu{0, "", {"/dev/dri/card0", "/dev/dri/renderD128"}});
    CHECK(gpu.gpus[1] == Gpu{1, "", {"/dev/dri/renderD129"}});
}
