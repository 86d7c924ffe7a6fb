#define FUSE_USE_VERSION 312
#include "image/serve/fuse_workers.hpp"

#include "common/error.hpp"
#include "image/serve/fuse_operations.hpp"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <future>
#include <system_error>

namespace hpc::image {
namespace {

constexpr uint32_t device_event = 0;
constexpr uint32_t stop_event = 1;

UniqueFd make_worker_poll(int device, int stop) {
    UniqueFd poll(::epoll_create1(EPOLL_CLOEXEC));
    if (!poll) throw_errno("creating a FUSE worker's epoll set");
    epoll_event request{};
    request.events = EPOLLIN | EPOLLEXCLUSIVE;
    request.data.u32 = device_event;
    if (::epoll_ctl(poll.get(), EPOLL_CTL_ADD, device, &request) != 0) {
        request.events = EPOLLIN;  // kernels before 4.5: every worker wakes, one reads
        if (::epoll_ctl(poll.get(), EPOLL_CTL_ADD, device, &request) != 0) throw_errno("watching /dev/fuse");
    }
    epoll_event everyone{};
    everyone.events = EPOLLIN;
    everyone.data.u32 = stop_event;
    if (::epoll_ctl(poll.get(), EPOLL_CTL_ADD, stop, &everyone) != 0) throw_errno("watching the stop event");
    return poll;
}

// In a table of one's own: every descriptor closed but the standard ones and `keep`, so that
// the workers hold no pipe end or socket the rest of the process closes to say something.
void close_all_but(std::vector<int> keep) {
    keep.insert(keep.end(), {0, 1, 2});
    std::sort(keep.begin(), keep.end());
    unsigned from = 0;
    for (int fd : keep) {
        if (fd < 0 || static_cast<unsigned>(fd) < from) continue;
        if (static_cast<unsigned>(fd) > from) ::syscall(SYS_close_range, from, static_cast<unsigned>(fd) - 1, 0);
        from = static_cast<unsigned>(fd) + 1;
    }
    ::syscall(SYS_close_range, from, ~0U, 0);
}

}  // namespace

FuseWorkers::FuseWorkers(fuse_session* session, int device, VolumeFactory make_volume, unsigned max_workers,
                         std::vector<int> keep)
    : session_(session), device_(device), make_volume_(std::move(make_volume)), max_workers_(std::max(max_workers, 1u)),
      keep_(std::move(keep)) {
    // Non-blocking, so that a worker woken for a request another one took goes back to waiting.
    if (::fcntl(device_, F_SETFL, ::fcntl(device_, F_GETFL) | O_NONBLOCK) != 0) throw_errno("configuring /dev/fuse");
    stop_event_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop_event_) throw_errno("creating the FUSE stop event");
}

void FuseWorkers::start(SquashfsVolume& first_volume) {
    sigset_t all, previous;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    std::promise<bool> taken;
    std::future<bool> device_taken = taken.get_future();
    try {
        std::lock_guard lock(mutex_);
        threads_.emplace_back([this, &first_volume, &taken] {
            taken.set_value(take_device());
            run(&first_volume);
        });
    } catch (const std::system_error& error) {
        ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        throw Error(ExitCode::os, std::string("starting a FUSE worker thread: ") + error.what(), error.code().value());
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (!device_taken.get()) return;
    // The number stays taken (the session closes it at the end), by a file that is not /dev/fuse.
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (null) ::dup3(null.get(), device_, O_CLOEXEC);
}

bool FuseWorkers::take_device() {
    if (::unshare(CLONE_FILES) != 0) return false;
    std::vector<int> keep = keep_;
    keep.push_back(device_);
    keep.push_back(stop_event_.get());
    close_all_but(std::move(keep));
    return true;
}

void FuseWorkers::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;  // from here on grow() adds nobody, so threads_ stays as it is
    }
    if (stop_event_) {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t wrote = ::write(stop_event_.get(), &one, sizeof one);
    }
    for (std::thread& thread : threads_)
        if (thread.joinable()) thread.join();
}

unsigned FuseWorkers::count() const {
    std::lock_guard lock(mutex_);
    return static_cast<unsigned>(threads_.size());
}

void FuseWorkers::grow() {
    std::lock_guard lock(mutex_);
    if (stopping_ || threads_.size() >= max_workers_) return;
    try {
        threads_.emplace_back([this] { run(nullptr); });  // inherits this worker's blocked signals
    } catch (const std::system_error&) {
        // No thread now: the running ones serve, and a later request tries again.
    }
}

void FuseWorkers::run(SquashfsVolume* volume) {
    std::unique_ptr<SquashfsVolume> own;
    UniqueFd poll;
    try {
        if (!volume) {
            own = make_volume_();
            volume = own.get();
        }
        poll = make_worker_poll(device_, stop_event_.get());
    } catch (const std::exception&) {
        return;  // the image read fine a moment ago; the other workers go on
    }
    set_worker_volume(volume);
    serve(poll.get());
    set_worker_volume(nullptr);
}

void FuseWorkers::serve(int poll) {
    fuse_buf buffer{};
    idle_.fetch_add(1);
    while (!fuse_session_exited(session_)) {
        // Try the device first: under load a request is usually waiting, and the wait (a
        // second system call) is only needed when none is.
        int received = fuse_session_receive_buf(session_, &buffer);
        if (received == -EAGAIN || received == -EINTR) {
            epoll_event ready[2];
            int count = ::epoll_wait(poll, ready, 2, -1);
            if (count < 0 && errno != EINTR) break;
            if (std::any_of(ready, ready + std::max(count, 0),
                            [](const epoll_event& event) { return event.data.u32 == stop_event; }))
                break;
            continue;
        }
        if (received <= 0) break;  // 0: unmounted (libfuse marks the session exited)
        // The last idle worker took this request: start another for whatever comes next.
        if (idle_.fetch_sub(1) == 1) grow();
        fuse_session_process_buf(session_, &buffer);
        idle_.fetch_add(1);
    }
    idle_.fetch_sub(1);
    std::free(buffer.mem);
}

}  // namespace hpc::image
