#include "sandbox/run/supervisor.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

bool is_spared(pid_t child, std::span<const pid_t> spared) {
    return std::find(spared.begin(), spared.end(), child) != spared.end();
}

// Every child that has ended, or, with children to spare, every other one by its pid (from the
// kernel's list, or the payload alone without `own_tasks`): waitpid(-1) would take a spared
// child's status from its owner and free its pid for another process.
void reap_available(pid_t payload, int own_tasks, std::span<const pid_t> spared, int& payload_status,
                    bool& payload_done) {
    auto note = [&](pid_t pid, int status) {
        if (pid != payload) return;
        payload_status = status;
        payload_done = true;
    };
    int status = 0;
    if (spared.empty()) {
        pid_t pid = 0;
        while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) note(pid, status);
        return;
    }
    std::vector<pid_t> children = own_tasks >= 0 ? listed_children(own_tasks) : std::vector<pid_t>{payload};
    for (pid_t child : children)
        if (!is_spared(child, spared) && ::waitpid(child, &status, WNOHANG) == child) note(child, status);
}

// Each child but the spared is killed and waited for by its pid: a blocking waitpid(-1) would
// wait for the spared ones as well.
void kill_and_reap_orphans(int own_tasks, std::span<const pid_t> spared) {
    for (int round = 0; round < 100; ++round) {
        std::vector<pid_t> children = listed_children(own_tasks);
        std::erase_if(children, [&](pid_t child) { return is_spared(child, spared); });
        if (children.empty()) return;
        for (pid_t child : children) ::kill(child, SIGKILL);
        for (pid_t child : children)
            while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
            }
    }
}

}  // namespace

std::vector<pid_t> listed_children(int tasks) {
    std::vector<pid_t> children;
    UniqueFd listing(::fcntl(tasks, F_DUPFD_CLOEXEC, 0));
    DIR* threads = listing ? ::fdopendir(listing.release()) : nullptr;
    if (!threads) return children;
    ::rewinddir(threads);
    while (const dirent* entry = ::readdir(threads)) {
        if (entry->d_name[0] == '.') continue;
        UniqueFd list(::openat(tasks, (std::string(entry->d_name) + "/children").c_str(), O_RDONLY | O_CLOEXEC));
        if (!list) continue;
        std::string text(4096, '\0');
        ssize_t length = ::read(list.get(), text.data(), text.size());
        std::istringstream numbers(text.substr(0, length > 0 ? static_cast<size_t>(length) : 0));
        pid_t child = 0;
        while (numbers >> child) children.push_back(child);
    }
    ::closedir(threads);
    return children;
}

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

int keep_instance() {
    sigset_t set = taken_signals();
    bool stopping = false;
    for (;;) {
        pid_t reaped = 0;
        while ((reaped = ::waitpid(-1, nullptr, WNOHANG)) > 0) {
        }
        if (stopping && reaped < 0 && errno == ECHILD) return 0;
        siginfo_t info{};
        int signal = ::sigwaitinfo(&set, &info);
        if (signal < 0) {
            if (errno == EINTR) continue;
            throw_errno("wait for signals");
        }
        if (signal == SIGCHLD) continue;
        ::kill(-1, signal);  // from PID 1: every other process of the namespace
        stopping = true;
    }
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

int supervise(pid_t payload, int own_tasks, std::span<const pid_t> spared) {
    sigset_t set = taken_signals();
    int payload_status = 0;
    bool payload_done = false;
    reap_available(payload, own_tasks, spared, payload_status, payload_done);
    while (!payload_done) {
        siginfo_t info{};
        int signal = ::sigwaitinfo(&set, &info);
        if (signal < 0) {
            if (errno == EINTR) continue;
            throw_errno("wait for signals");
        }
        if (signal == SIGCHLD) {
            reap_available(payload, own_tasks, spared, payload_status, payload_done);
        } else if (info.si_code != SI_KERNEL) {
            // SI_KERNEL: a terminal's ^C or ^\, which the payload's process group has
            // already received; forwarding it would deliver it twice.
            ::kill(payload, signal);
        }
    }
    if (own_tasks >= 0) kill_and_reap_orphans(own_tasks, spared);
    return exit_status_of(payload_status);
}

}  // namespace hpc::sandbox
