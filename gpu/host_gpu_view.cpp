// The host's real files for the GPU search: the only part of it that makes system calls.
#include "gpu/host_gpu.hpp"

#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hpc::gpu {
namespace {

// /proc/driver/nvidia/gpus/*/information and a KFD node's properties are a few hundred bytes.
constexpr std::size_t max_text_bytes = 64 * 1024;

std::optional<std::string> read_text(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    BoundedRead read = read_to_end(fd.get(), max_text_bytes);
    if (read.error != 0 || read.too_large) return std::nullopt;
    return std::move(read.bytes);
}

bool is_character_device(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISCHR(status.st_mode);
}

bool is_executable(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

GpuHostView host_gpu_view() { return {mpi::host_file_view(), read_text, is_character_device, is_executable}; }

}  // namespace hpc::gpu
