// The payload's terminal opened again at its container path (sandbox/run/terminal.hpp): a pty's
// slave bound over a file, as the executor binds the user's terminal at /dev/console.
#include "namespace_child.hpp"
#include "sandbox/run/terminal.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>

using hpc::sandbox::reopen_terminal_at;

namespace {

struct Scratch {
    std::string path;
    Scratch() {
        char name[] = "/tmp/hpc-terminal-XXXXXX";
        REQUIRE(::mkdtemp(name));
        path = name;
    }
    ~Scratch() { std::system(("rm -rf '" + path + "'").c_str()); }
};

std::string link_of(int fd) {
    char target[PATH_MAX];
    ssize_t length = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target);
    return length < 0 ? std::string() : std::string(target, static_cast<std::size_t>(length));
}

// A file at `path` with the host's `source` bound over it.
bool bind_over_file(const std::string& source, const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    ::close(fd);
    return ::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) == 0;
}

}  // namespace

TEST_CASE("terminal: descriptors on the terminal are opened again at its bound path, with their flags") {
    Scratch scratch;
    hpc::test::ChildOutcome outcome = hpc::test::run_in_user_namespace([&](hpc::test::ChildReport& child) {
        int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
            child.skip("no pseudo-terminal to be had here (/dev/ptmx)");
            return;
        }
        std::string slave_path = ::ptsname(master);
        int slave = ::open(slave_path.c_str(), O_RDWR | O_NOCTTY);
        child.expect(slave >= 0, "open " + slave_path);
        const std::string console = scratch.path + "/console", null = scratch.path + "/null";
        child.expect(::mount("tmpfs", scratch.path.c_str(), "tmpfs", 0, nullptr) == 0, "mount a tmpfs");
        child.expect(bind_over_file(slave_path, console), "bind the pty at " + console);
        child.expect(bind_over_file("/dev/null", null), "bind /dev/null at " + null);
        if (!child.failures.empty()) return;

        // stdin and stdout on the terminal (non-blocking), stderr elsewhere (below).
        ::fcntl(slave, F_SETFL, O_NONBLOCK);
        ::dup2(slave, 0);
        ::dup2(slave, 1);

        // A path that is another device, or none: nothing changes. A device that is no
        // terminal is never opened again, even where it is what the path holds.
        reopen_terminal_at(null);
        reopen_terminal_at(scratch.path + "/missing");
        child.expect(link_of(0) == slave_path, "fd 0 left on " + slave_path + ", not " + link_of(0));
        ::dup2(::open(null.c_str(), O_WRONLY), 2);
        reopen_terminal_at("/dev/null");
        child.expect(link_of(2) == null, "fd 2 left on " + null + ", not " + link_of(2));

        reopen_terminal_at(console);
        child.expect(link_of(0) == console, "fd 0 opened at " + console + ", not " + link_of(0));
        child.expect(link_of(1) == console, "fd 1 opened at " + console + ", not " + link_of(1));
        child.expect(link_of(2) == null, "fd 2 left on " + null + ", not " + link_of(2));
        int flags = ::fcntl(0, F_GETFL);
        child.expect((flags & O_ACCMODE) == O_RDWR, "fd 0 still read-write");
        child.expect((flags & O_NONBLOCK) != 0, "fd 0 still non-blocking");
        child.expect((::fcntl(0, F_GETFD) & FD_CLOEXEC) == 0, "fd 0 survives exec");
        child.expect(::isatty(0) == 1, "fd 0 still a terminal");
        // The same terminal: what the payload writes reaches the master.
        child.expect(::write(1, "x", 1) == 1, "write to fd 1");
        char got = 0;
        child.expect(::read(master, &got, 1) == 1 && got == 'x', "the master reads what fd 1 wrote");
    });
    if (!outcome.skipped.empty()) {
        WARN("SKIPPED: " << outcome.skipped);
        return;
    }
    INFO(outcome.abnormal);
    CHECK(outcome.abnormal.empty());
    for (const std::string& failure : outcome.failures) FAIL_CHECK(failure);
}
