// Ending what a container's payloads left (namespaces.hpp): every other process in the caller's
// user namespace, its children or not, and nothing outside it.
#include "fuse_test_support.hpp"
#include "namespace_child.hpp"
#include "sandbox/run/namespaces.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

using hpc::sandbox::end_other_processes_in_own_user_namespace;

namespace {

// Holding none of the test's descriptors (its report pipe above all), so that a failure to end
// it is reported rather than waited for.
[[noreturn]] void wait_forever() {
    ::close_range(3, ~0u, 0);
    for (;;) ::pause();
}

// Expects `pid` to end within a second (one that is not our child is reaped by another; its
// pidfd says when it is gone either way), and ends it if it does not.
void expect_ended(hpc::test::ChildReport& child, pid_t pid, int pidfd, const std::string& what) {
    pollfd ended{pidfd, POLLIN, 0};
    if (::poll(&ended, 1, 1000) == 1) return;
    child.expect(false, what + " was killed");
    ::kill(pid, SIGKILL);
}

}  // namespace

TEST_CASE("namespaces: the processes left in the container's user namespace are ended, no others") {
    pid_t outside = ::fork();  // a process of the same user, in the host's namespace
    if (outside == 0) wait_forever();
    int outside_fd = static_cast<int>(::syscall(SYS_pidfd_open, outside, 0));
    REQUIRE(outside_fd >= 0);

    report(hpc::test::run_in_user_namespace([&](hpc::test::ChildReport& child) {
        int proc = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        pid_t own_child = ::fork();
        if (own_child == 0) wait_forever();
        // An orphan: its parent leaves at once, as a payload's daemon would.
        int relay[2];
        child.expect(::pipe(relay) == 0, "pipe");
        pid_t parent = ::fork();
        if (parent == 0) {
            pid_t orphan = ::fork();
            if (orphan == 0) wait_forever();
            ssize_t ignored = ::write(relay[1], &orphan, sizeof orphan);
            (void)ignored;
            ::_exit(0);
        }
        pid_t orphan = 0;
        child.expect(::read(relay[0], &orphan, sizeof orphan) == sizeof orphan, "the orphan's pid");
        ::waitpid(parent, nullptr, 0);
        int own_child_fd = static_cast<int>(::syscall(SYS_pidfd_open, own_child, 0));
        int orphan_fd = static_cast<int>(::syscall(SYS_pidfd_open, orphan, 0));
        child.expect(own_child_fd >= 0 && orphan_fd >= 0, "pidfds for both");

        end_other_processes_in_own_user_namespace(proc);

        expect_ended(child, orphan, orphan_fd, "the orphan");
        expect_ended(child, own_child, own_child_fd, "its own child");
        int status = 0;
        ::waitpid(own_child, &status, 0);
        child.expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "by SIGKILL");
    }));

    // The host's process of the same user was left alone.
    pollfd alive{outside_fd, POLLIN, 0};
    CHECK(::poll(&alive, 1, 0) == 0);
    ::kill(outside, SIGKILL);
    ::waitpid(outside, nullptr, 0);
    ::close(outside_fd);
}
