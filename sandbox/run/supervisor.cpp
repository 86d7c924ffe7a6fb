#include "sandbox/run/supervisor.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

namespace hpc::sandbox {
namespace {

constexpr std::array forwarded = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

void ignore_signal(int) {}

sigset_t taken_signals() {
    sigset_t set = forwarded_signals();
    sigaddset(&set, SIGCHLD);
    return set;
}

// The children of this process, as the kernel lists them per thread (task/TID/children,
// proc(5)), read through a descriptor opened before the container's root replaced ours.
std::vector<pid_t> current_children(int own_tasks) {
    std::vector<pid_t> children;
    UniqueFd listing(::fcntl(own_tasks, F_DUPFD_CLOEXEC, 0));
    DIR* tasks = listing ? ::fdopendir(listing.release()) : nullptr;
    if (!tasks) return children;
    ::rewinddir(tasks);
    while (const dirent* entry = ::readdir(tasks)) {
        if (entry->d_name[0] == '.') continue;
        UniqueFd list(::openat(own_tasks, (std::string(entry->d_name) + "/children").c_str(), O_RDONLY | O_CLOEXEC));
        if (!list) continue;
        std::string text(4096, '\0');
        ssize_t length = ::read(list.get(), text.data(), text.size());
        std::istringstream numbers(text.substr(0, length > 0 ? static_cast<size_t>(length) : 0));
        pid_t child = 0;
        while (numbers >> child) children.push_back(child);
    }
    ::closedir(tasks);
    return children;
}

void reap_available(pid_t payload, int& payload_status, bool& payload_done) {
    int status = 0;
    pid_t pid = 0;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == payload) {
            payload_status = status;
            payload_done = true;
        }
    }
}

void kill_and_reap_orphans(int own_tasks) {
    for (int round = 0; round < 100; ++round) {
        std::vector<pid_t> children = current_children(own_tasks);
        if (children.empty()) return;
        for (pid_t child : children) ::kill(child, SIGKILL);
        while (::waitpid(-1, nullptr, 0) > 0) {
        }
    }
}

}  // namespace

sigset_t forwarded_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : forwarded) sigaddset(&set, signal);
    return set;
}

void take_over_signals() {
    struct sigaction action {};
    action.sa_handler = ignore_signal;
    sigemptyset(&action.sa_mask);
    for (int signal : forwarded) ::sigaction(signal, &action, nullptr);
    ::sigaction(SIGCHLD, &action, nullptr);
    sigset_t set = taken_signals();
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) throw_errno("block signals");
}

void release_signals() {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int signal : forwarded) ::sigaction(signal, &action, nullptr);
    ::sigaction(SIGCHLD, &action, nullptr);
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

int pending_stop_signal() {
    sigset_t pending;
    if (::sigpending(&pending) != 0) return 0;
    for (int signal : {SIGINT, SIGTERM, SIGHUP})
        if (sigismember(&pending, signal) == 1) return signal;
    return 0;
}

int exit_status_of(int wait_status) {
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return WEXITSTATUS(wait_status);
}

int supervise(pid_t payload, int own_tasks) {
    sigset_t set = taken_signals();
    int payload_status = 0;
    bool payload_done = false;
    reap_available(payload, payload_status, payload_done);
    while (!payload_done) {
        siginfo_t info{};
        int signal = ::sigwaitinfo(&set, &info);
        if (signal < 0) {
            if (errno == EINTR) continue;
            throw_errno("wait for signals");
        }
        if (signal == SIGCHLD) {
            reap_available(payload, payload_status, payload_done);
        } else if (info.si_code != SI_KERNEL) {
            // SI_KERNEL: a terminal's ^C or ^\, which the payload's process group has
            // already received; forwarding it would deliver it twice.
            ::kill(payload, signal);
        }
    }
    if (own_tasks >= 0) kill_and_reap_orphans(own_tasks);
    return exit_status_of(payload_status);
}

}  // namespace hpc::sandbox
