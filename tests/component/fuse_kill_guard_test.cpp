// image/serve/fuse_kill_guard.hpp: a server process killed while its connection is held open
// elsewhere (as a thread of its own, stuck waiting on the mount, holds it) leaves no mount that
// hangs whoever touches it: its guard aborts the connection.
#include "common/unique_fd.hpp"
#include "fuse_test_support.hpp"
#include "image/serve/squashfs_server.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using hpc::image::SquashfsServer;
using namespace hpc::test;

TEST_CASE("squashfs server: killed while its /dev/fuse is held elsewhere, its guard aborts the connection",
          "[fuse]") {
    ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    // A hang is what the guard prevents: the check is given 30 s, then killed and failed.
    report(run_in_user_namespace(
        [&](ChildReport& child) {
            int mounted[2];
            if (::pipe2(mounted, O_CLOEXEC) != 0) return child.expect(false, "pipe");
            pid_t server = ::fork();
            if (server == 0) {
                ::close(mounted[0]);
                ChildReport inner;
                with_server(inner, ImageFixture::get().image, mnt, [&](SquashfsServer&) {
                    // The holder keeps a copy of every descriptor, /dev/fuse among them: the
                    // connection cannot end by its last close, as when a thread of the server waits
                    // on the mount.
                    pid_t holder = ::fork();
                    if (holder == 0) {
                        ::pause();
                        ::_exit(0);
                    }
                    (void)::write(mounted[1], &holder, sizeof holder);
                    ::raise(SIGKILL);
                });
                ::_exit(1);
            }
            ::close(mounted[1]);
            pid_t holder = 0;
            bool served = ::read(mounted[0], &holder, sizeof holder) == sizeof holder && holder > 0;
            ::close(mounted[0]);
            int status = 0;
            ::waitpid(server, &status, 0);
            if (!served) return child.skip("the server could not mount here");
            child.expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the server was killed");
            // Aborted (ENOTCONN, ECONNABORTED) or unmounted (the empty mount point: ENOENT), but
            // answered: without the guard this stat would wait forever.
            struct stat st {};
            int err = error_of(::stat((mnt + "/small.txt").c_str(), &st));
            child.expect(err != 0, "a file of the killed server's mount is no longer there");
            ::kill(holder, SIGKILL);
        },
        30));
}
