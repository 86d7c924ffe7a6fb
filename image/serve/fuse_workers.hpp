// The threads that answer FUSE requests. The first starts with the mount; each further one
// starts when a request arrives while none is idle, up to a maximum, so that a mount costs one
// thread until its load asks for more (a thread costs 30 us to 1 ms to start, depending on
// the machine: on a 64-CPU node, starting them all would dominate the mount).
//
// Each worker reads /dev/fuse through its own epoll set: EPOLLEXCLUSIVE wakes one waiter per
// request, and a stop event wakes them all. A blocking read of /dev/fuse could not be
// interrupted while some process still holds a file of the mount open: the connection, and
// so the read, would outlive the unmount.
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

    // `device` is the session's /dev/fuse descriptor; it is made non-blocking. Each worker
    // but the first gets its volume from `make_volume`, in its own thread.
    FuseWorkers(fuse_session* session, int device, VolumeFactory make_volume, unsigned max_workers);
    ~FuseWorkers() { stop(); }
    FuseWorkers(const FuseWorkers&) = delete;
    FuseWorkers& operator=(const FuseWorkers&) = delete;

    // Starts the first worker, reading through `first_volume` (which must outlive it), with
    // every signal blocked; later workers inherit that mask. Throws hpc::Error.
    void start(SquashfsVolume& first_volume);

    // Stops and joins every worker. Requests still queued stay unanswered until the session's
    // descriptor is closed.
    void stop() noexcept;

    unsigned count() const;

private:
    void run(SquashfsVolume* volume);  // null: make one
    void serve(int poll);
    void grow();

    fuse_session* session_;
    int device_;
    VolumeFactory make_volume_;
    unsigned max_workers_;
    UniqueFd stop_event_;
    std::atomic<unsigned> idle_{0};
    mutable std::mutex mutex_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace hpc::image
