#include "instance/instance_stats.hpp"

#include "common/directory_names.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "instance/process_stat.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace hpc::instance {
namespace {

constexpr std::size_t max_processes = 65536;

std::optional<std::string> read_small(int directory, const char* name) {
    UniqueFd fd(::openat(directory, name, O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    BoundedRead read = read_to_end(fd.get(), 64 * 1024);
    if (read.error != 0 || read.too_large) return std::nullopt;
    return std::move(read.bytes);
}

// The number after "KEY:" (or "KEY: ") on its line of `text`, or nullopt.
std::optional<uint64_t> keyed_number(std::string_view text, std::string_view key) {
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
            std::string_view rest = line.substr(key.size() + 1);
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
            uint64_t value = 0;
            if (std::from_chars(rest.data(), rest.data() + rest.size(), value).ec == std::errc()) return value;
            return std::nullopt;
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::optional<ino_t> pid_namespace_of(int process_directory) {
    struct stat status {};
    if (::fstatat(process_directory, "ns/pid", &status, 0) != 0) return std::nullopt;
    return status.st_ino;
}

uint64_t memory_of(int process_directory) {
    if (std::optional<std::string> rollup = read_small(process_directory, "smaps_rollup"))
        if (std::optional<uint64_t> pss = keyed_number(*rollup, "Pss")) return *pss * 1024;
    std::optional<std::string> statm = read_small(process_directory, "statm");
    if (!statm) return 0;
    std::size_t space = statm->find(' ');
    uint64_t pages = 0;
    if (space == std::string::npos ||
        std::from_chars(statm->data() + space + 1, statm->data() + statm->size(), pages).ec != std::errc())
        return 0;
    return pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

InstanceUsage measure_instance(int proc, int init_process) {
    InstanceUsage usage;
    std::optional<ino_t> instance_namespace = pid_namespace_of(init_process);
    if (!instance_namespace) return usage;
    double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
    for (const std::string& name : directory_names(proc, 4 * max_processes)) {
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        UniqueFd process(::openat(proc, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!process || pid_namespace_of(process.get()) != instance_namespace) continue;
        std::optional<ProcessStat> stat = read_process_stat(process.get());
        if (!stat) continue;  // gone meanwhile
        if (++usage.processes > max_processes) break;
        usage.cpu_seconds += static_cast<double>(stat->cpu_ticks) / ticks_per_second;
        usage.memory_bytes += memory_of(process.get());
        if (std::optional<std::string> io = read_small(process.get(), "io")) {
            usage.read_bytes += keyed_number(*io, "read_bytes").value_or(0);
            usage.written_bytes += keyed_number(*io, "write_bytes").value_or(0);
        }
    }
    return usage;
}

uint64_t node_memory_bytes(int proc) {
    std::optional<std::string> meminfo = read_small(proc, "meminfo");
    return meminfo ? keyed_number(*meminfo, "MemTotal").value_or(0) * 1024 : 0;
}

}  // namespace hpc::instance
