#include "image/serve/fuse_kill_guard.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <future>

namespace hpc::image {
namespace {

constexpr int kept_fd = 3;  // the mount's root, in the guard

// In the forked child of a multithreaded process: system calls only (async-signal-safe).
[[noreturn]] void guard(int mount_root, const char* mountpoint, pid_t server, pid_t thread) {
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, SIGUSR1);
    // Every signal stays blocked (the forking thread blocked them all); SIGUSR1 is waited for.
    prctl(PR_SET_NAME, "hpc-fuse-guard", 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
    // Nothing of the server's but the mount's root: no pipe end or socket a reader waits on.
    if (mount_root != kept_fd && dup2(mount_root, kept_fd) < 0) _exit(1);
    syscall(SYS_close_range, 0, kept_fd - 1, 0);
    syscall(SYS_close_range, kept_fd + 1, ~0U, 0);
    // The thread may have gone before the death signal was asked for.
    if (syscall(SYS_tgkill, server, thread, 0) == 0) {
        siginfo_t info;
        while (sigwaitinfo(&wake, &info) < 0) {
        }
    }
    if (umount2("/proc/self/fd/3", MNT_FORCE) != 0 && errno != EBUSY) umount2(mountpoint, MNT_FORCE);
    _exit(0);
}

}  // namespace

FuseKillGuard::FuseKillGuard(int mount_root, const std::string& mountpoint)
    : wake_(::eventfd(0, EFD_CLOEXEC)) {
    if (!wake_) return;
    std::promise<int> forked;
    std::future<int> pidfd = forked.get_future();
    int wake = wake_.get();
    try {
        thread_ = std::thread([mount_root, mountpoint, wake, &forked] {
            sigset_t all;
            sigfillset(&all);
            ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
            pid_t server = ::getpid();
            auto thread = static_cast<pid_t>(::syscall(SYS_gettid));
            pid_t child = ::fork();
            if (child == 0) guard(mount_root, mountpoint.c_str(), server, thread);
            // Before anyone could reap it: the child only ends when signalled.
            forked.set_value(child > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, child, 0)) : -1);
            uint64_t value = 0;
            while (::read(wake, &value, sizeof value) < 0 && errno == EINTR) {
            }
        });
    } catch (const std::system_error&) {
        return;  // no thread: no guard
    }
    pidfd_.reset(pidfd.get());
}

FuseKillGuard::~FuseKillGuard() {
    if (pidfd_) {
        ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
        siginfo_t info{};
        // ECHILD: a supervisor reaping every child (sandbox/run) got it first.
        while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) < 0 &&
               errno == EINTR) {
        }
    }
    if (thread_.joinable()) {
        uint64_t one = 1;
        (void)::write(wake_.get(), &one, sizeof one);
        thread_.join();
    }
}

}  // namespace hpc::image
