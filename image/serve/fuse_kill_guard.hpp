// What ends a FUSE mount's connection when the process serving it is killed while one of its
// own threads waits on it. The launcher's main thread stages binds through the mount it serves;
// if SIGKILL (Slurm's, the OOM killer's, a user's) arrives after a worker thread has read that
// thread's request and before it answers, the kernel waits for the answer uninterruptibly, no
// thread is left to give it, and the connection cannot end: the waiting thread's file table
// still holds /dev/fuse. The process stays in state D forever, and so does every other process
// that touches the mount.
//
// The guard is a child process that holds nothing but the mount's root. It is forked by a thread
// of its own, which lives as long as the server: when that thread dies, with the process, the
// kernel sends the guard its parent-death signal (PR_SET_PDEATHSIG follows the thread that
// forked), and the guard unmounts with MNT_FORCE, which makes FUSE abort the connection
// (fuse_umount_begin): every pending request fails, the stuck thread returns and dies. When the
// server stops normally, the guard is ended first, quietly.
#pragma once

#include "common/unique_fd.hpp"

#include <sys/types.h>

#include <string>
#include <thread>

namespace hpc::image {

class FuseKillGuard {
public:
    // `mount_root`: an O_PATH descriptor of the mounted root; `mountpoint`: its path, where
    // /proc/self/fd cannot name it. Without a guard (fork or thread failed) the server still
    // serves: the guard is for the rare kill, not a condition of serving.
    FuseKillGuard(int mount_root, const std::string& mountpoint);
    ~FuseKillGuard();
    FuseKillGuard(const FuseKillGuard&) = delete;
    FuseKillGuard& operator=(const FuseKillGuard&) = delete;

    bool running() const { return pidfd_.get() >= 0; }

private:
    UniqueFd wake_;   // eventfd: the destructor's word to the thread
    UniqueFd pidfd_;  // the guard's, so that it is signalled and waited for without a pid's reuse risk
    std::thread thread_;
};

}  // namespace hpc::image
