#include "instance/running_instance.hpp"

#include "common/error.hpp"
#include "instance/instance_name.hpp"
#include "instance/process_stat.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

namespace hpc::instance {
namespace {

struct CheckedProcess {
    UniqueFd pidfd;
    UniqueFd directory;
};

// The process `pid` when it is the one that started at `start_time`.
std::optional<CheckedProcess> open_checked(int proc, pid_t pid, uint64_t start_time) {
    CheckedProcess process;
    process.directory = UniqueFd(::openat(proc, std::to_string(pid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!process.directory) return std::nullopt;
    std::optional<ProcessStat> stat = read_process_stat(process.directory.get());
    if (!stat || stat->start_time != start_time) return std::nullopt;
    process.pidfd = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    // The pid is the checked process's until it is reaped; its directory still reads once the
    // pidfd is open, so the pidfd is on that process and no later one.
    if (!process.pidfd || !read_process_stat(process.directory.get())) return std::nullopt;
    return process;
}

// A record no launcher holds the lock of: removed with its lock file, under the lock.
void remove_stale(const InstanceDirectory& directory, const std::string& name, UniqueFd /*held till then*/) {
    directory.remove_record(name);
    directory.remove_lock(name);
}

}  // namespace

std::optional<RunningInstance> find_running(const InstanceDirectory& directory, const std::string& name, int proc) {
    if (std::optional<UniqueFd> lock = directory.take_lock(name)) {
        remove_stale(directory, name, std::move(*lock));
        return std::nullopt;
    }
    std::optional<std::string> text = directory.read_record(name);
    if (!text) return std::nullopt;  // starting: its launcher has the lock, not yet a container
    RunningInstance instance;
    instance.record = parse_record(*text, name);
    std::optional<CheckedProcess> launcher = open_checked(proc, instance.record.launcher, instance.record.launcher_start);
    std::optional<CheckedProcess> init = open_checked(proc, instance.record.pid, instance.record.pid_start);
    // A launcher holds the lock, so the instance has not ended: it is ending now, or a new launch
    // of the name has not yet replaced the record of an old one, or the record lies.
    if (!launcher || !init) return std::nullopt;
    instance.launcher = std::move(launcher->pidfd);
    instance.init = std::move(init->pidfd);
    instance.init_process = std::move(init->directory);
    return instance;
}

std::vector<RunningInstance> find_running_matching(const InstanceDirectory& directory, const std::string& pattern,
                                                   int proc) {
    std::vector<RunningInstance> found;
    for (const std::string& name : directory.names())
        if (name_matches(pattern, name))
            if (std::optional<RunningInstance> instance = find_running(directory, name, proc))
                found.push_back(std::move(*instance));
    return found;
}

bool signal_instance(const RunningInstance& instance, int signal) {
    return ::syscall(SYS_pidfd_send_signal, instance.launcher.get(), signal, nullptr, 0) == 0;
}

bool wait_for_end(const RunningInstance& instance, std::chrono::milliseconds timeout) {
    pollfd ended{instance.launcher.get(), POLLIN, 0};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        int result = ::poll(&ended, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (result > 0) return true;
        if (result == 0) return false;
        if (errno != EINTR) throw_errno("wait for the instance " + instance.record.name);
    }
}

}  // namespace hpc::instance
