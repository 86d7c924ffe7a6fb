// image/serve/fuse_workers.hpp: /dev/fuse is in the workers' descriptor table alone, so that
// when the serving process is killed the connection ends with them, whatever the rest of the
// process's table is held by: a thread of its own stuck waiting on the mount, or, here, a
// process forked from it. Before, such a holder kept the connection open with no one to answer,
// and whoever touched the mount waited forever.
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

TEST_CASE("squashfs server: killed, its connection ends though its process's descriptor table lives on",
          "[fuse]") {
    ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    // A hang is what this prevents: the check is given 30 s, then killed and failed.
    report(run_in_user_namespace(
        [&](ChildReport& child) {
            int mounted[2];
            if (::pipe2(mounted, O_CLOEXEC) != 0) return child.expect(false, "pipe");
            pid_t server = ::fork();
            if (server == 0) {
                ::close(mounted[0]);
                ChildReport inner;
                with_server(inner, ImageFixture::get().image, mnt, [&](SquashfsServer&) {
                    // The holder keeps a copy of the server's descriptor table (the main
                    // thread's), as a thread of the server stuck on the mount keeps it.
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
            // Aborted (ENOTCONN, ECONNABORTED), but answered: with /dev/fuse in the holder's
            // copy this stat would wait forever.
            struct stat st {};
            int err = error_of(::stat((mnt + "/small.txt").c_str(), &st));
            child.expect(err != 0, "a file of the killed server's mount is no longer there");
            ::kill(holder, SIGKILL);
        },
        30));
}
