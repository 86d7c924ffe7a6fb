// The threads that answer FUSE requests. The first starts with the mount; each further one
// starts when a request arrives while none is idle, up to a maximum, so that a mount costs one
// thread until its load asks for more (a thread costs 30 us to 1 ms to start, depending on
// the machine: on a 64-CPU node, starting them all would dominate the mount).
//
// Each worker reads /dev/fuse through its own epoll set: EPOLLEXCLUSIVE wakes one waiter per
// request, and a stop event wakes them all. A blocking read of /dev/fuse could not be
// interrupted while some process still holds a file of the mount open: the connection, and
// so the read, would outlive the unmount.
//
// /dev/fuse is held by the workers alone, in a descriptor table of their own (the first worker
// unshares it; the others share the first's), and the caller's descriptor is replaced by
// /dev/null. Why: the caller's main thread stages binds through the mount it serves. Were the
// process killed (SIGKILL: Slurm's, the OOM killer's) after a worker had read that thread's
// request and before it answered, the kernel would wait uninterruptibly for an answer no thread
// is left to give, and the connection could not end while the waiting thread's table held
// /dev/fuse: the process would stay in state D forever, and every process touching the mount
// with it. With the workers' table released as they die, the connection aborts and the wait
// ends.
#pragma once

#include "common/unique_fd.hpp"
#include "image/squashfs/squashfs_volume.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

struct fuse_session;

namespace hpc::image {

class FuseWorkers {
public:
    using VolumeFactory = std::function<std::unique_ptr<SquashfsVolume>()>;

    // `device` is the session's /dev/fuse descriptor; it is made non-blocking, and from start()
    // on only the workers hold it. Each worker but the first gets its volume from
    // `make_volume`, in its own thread. `keep`: the other descriptors the workers read (the
    // image's); the workers' table closes every descriptor but these, standard ones and its own.
    FuseWorkers(fuse_session* session, int device, VolumeFactory make_volume, unsigned max_workers,
                std::vector<int> keep);
    ~FuseWorkers() { stop(); }
    FuseWorkers(const FuseWorkers&) = delete;
    FuseWorkers& operator=(const FuseWorkers&) = delete;

    // Starts the first worker, reading through `first_volume` (which must outlive it), with
    // every signal blocked; later workers inherit that mask. Returns once the worker holds
    // /dev/fuse in its own table and the caller's descriptor is /dev/null (where the kernel
    // refuses a table of its own, the caller keeps /dev/fuse, as before). Throws hpc::Error.
    void start(SquashfsVolume& first_volume);

    // Stops and joins every worker. Requests still queued stay unanswered until the session's
    // descriptor is closed.
    void stop() noexcept;

    unsigned count() const;

private:
    void run(SquashfsVolume* volume);  // null: make one
    bool take_device();                // the first worker: a table of its own
    void serve(int poll);
    void grow();

    fuse_session* session_;
    int device_;
    VolumeFactory make_volume_;
    unsigned max_workers_;
    std::vector<int> keep_;
    UniqueFd stop_event_;
    std::atomic<unsigned> idle_{0};
    mutable std::mutex mutex_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace hpc::image
