// An external FUSE file system server (fuse2fs, fuse-overlayfs) run for one launch, in the
// launcher's user and mount namespaces: started, waited for until its mount is there, and
// stopped cleanly so that what it wrote is on disk.
//
// Why it is run as it is:
// - It mounts by itself, with mount(2). libfuse's fallback, the setuid fusermount, cannot mount
//   in a user namespace, and a process whose uid there is not 0 loses its capabilities at
//   execve(2) (capabilities(7)): the child raises CAP_SYS_ADMIN, and what else it is given,
//   into its inheritable and ambient sets first, which execve keeps. They are capabilities in
//   the launcher's user namespace alone, over the ids it maps. A capability this process does
//   not hold is not raised (outside a user namespace that is all of them: the program then mounts
//   as any user's does, through fusermount).
// - The launcher's supervisor reaps its children and, once the payload has ended, kills every
//   one it finds (supervisor.hpp), which would lose what the server has not written out. The
//   caller passes pid() in supervise()'s `spared`, keeps this object until supervise() has
//   returned (the payload and its orphans are gone: nothing uses the mount any more), then
//   stops it, and does so before end_other_processes_in_own_user_namespace (namespaces.hpp),
//   which kills every process of the namespace. Servers stacked on one another (fuse-overlayfs
//   over a fuse2fs mount) are stopped from the top, and a kernel mount that uses one is
//   unmounted before it is stopped. A server reaped or killed by another all the same is found
//   gone by stop(): it is followed by a pidfd, so no signal of ours reaches a process that has
//   taken its pid since.
// - It dies with the launcher: SIGTERM, the signal libfuse takes as the order to unmount and
//   finish (fuse2fs then writes its file system clean), once. Its parent is a keeper of one
//   thread between it and the launcher (fuse_program.cpp's keep_program), which passes on the
//   first SIGTERM it gets, by PR_SET_PDEATHSIG from the launcher's death or from stop(): the
//   kernel sends the parent-death signal again each time a child of a dying launcher passes to
//   another of its threads, and a second SIGTERM, after libfuse's loop, kills fuse2fs before its
//   file system is clean. pid() is the keeper's, which ends with the program's status. The
//   kernel sends the launcher's signal when the *thread* that made the keeper ends: make it
//   from the launcher's main thread.
// - Its standard output and error (fuse2fs says why it fails on stdout) go to a pipe whose write
//   end never blocks: a server that says more than the pipe holds while nobody reads it loses
//   words, never its file system. This object reads the pipe while it waits (start, stop) and
//   keeps the last few KiB, whose last lines explain a failure.
#pragma once

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace hpc::sandbox {

struct FuseProgramOptions {
    // Descriptors the program inherits under their numbers (each 3 or more); every other one of
    // this process is closed in it. The image it serves is passed so, for it to open exactly
    // the file that was checked, as /proc/self/fd/N.
    std::vector<int> kept_fds;
    // Also CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID and
    // CAP_MKNOD: what a server that keeps its files in directories needs to give them the owners
    // and modes the container sets, and to reach every one of them (fuse-overlayfs). fuse2fs,
    // which writes an image file it holds open, needs none of them.
    bool file_capabilities = false;
    // The code of the Error thrown when the program ends before mounting: what it was given to
    // serve is bad, unless the caller knows better.
    ExitCode exit_code = ExitCode::data;
};

class FuseProgram {
public:
    // Starts argv (argv[0] found on PATH) and returns once its mount is on `mountpoint` (which
    // argv names too) and it has answered the kernel's first request. argv keeps it in the
    // foreground (-f): this object follows the process it started. A libfuse2 program (fuse2fs)
    // refuses a mount point that is not empty. Throws hpc::Error:
    // - unavailable: argv[0] is not installed (the message names the Debian package `package`),
    //   or it did not mount within 30 s;
    // - options.exit_code: it exited before mounting, or its mount failed at once; the message
    //   says how it ended and gives the last lines of its output;
    // - software: a kept descriptor that is not open, or is 0-2; os (or the errno's code): the
    //   child could not be made or could not exec it.
    // The program is gone by then.
    FuseProgram(std::vector<std::string> argv, std::string mountpoint, std::string package,
                FuseProgramOptions options = {});
    ~FuseProgram();  // stop() unless stopped; never throws
    FuseProgram(const FuseProgram&) = delete;
    FuseProgram& operator=(const FuseProgram&) = delete;

    // Ends it and waits for it: SIGTERM while its mount is in place (libfuse leaves its loop,
    // unmounts, and calls the file system's destroy: fuse2fs writes and marks its file system
    // clean), then up to 20 s for it to exit, then SIGKILL. A mount left behind (a server that
    // could not unmount itself, or one that died) is detached. Never throws; does nothing the
    // second time.
    //
    // Why SIGTERM comes before the unmount: once the last use of its mount is gone the kernel
    // ends the connection, libfuse leaves its loop and removes its signal handlers before the
    // file system's destroy runs; a SIGTERM then kills it in the middle of writing. Measured
    // here: fuse2fs's image was left "not clean" each time the mount was detached and SIGTERM
    // sent at once. Where the mount is gone already (detached by someone else), it is given the
    // same 20 s to end by itself before SIGTERM.
    void stop() noexcept;

    pid_t pid() const { return pid_; }  // 0 once stopped

private:
    void wait_for_mount(ExitCode exit_code);
    bool mounted() const;
    bool has_exited() const;
    bool exits_within(int milliseconds);
    void pause(int milliseconds);  // until it exits, it writes, or the time is up
    std::string reap();  // how it ended: "exited with status 2", "was killed by signal 9"
    void drain_output();
    std::string last_words() const;
    void kill_now() noexcept;

    std::string name_;        // argv[0] as given, for messages
    std::string mountpoint_;
    dev_t unmounted_device_ = 0;  // the mountpoint's st_dev before the program mounted on it
    pid_t pid_ = 0;
    UniqueFd process_;  // a pidfd: readable once the program has exited
    UniqueFd output_;   // the read end of its stdout and stderr
    std::string output_tail_;  // the last bytes read from output_
    bool output_ended_ = false;  // every writer has closed it
};

}  // namespace hpc::sandbox
