#define FUSE_USE_VERSION 312
#include "image/squashfs_server.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "image/fuse_mount.hpp"
#include "image/fuse_operations.hpp"
#include "image/prefetcher.hpp"
#include "image/squashfs_volume.hpp"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace hpc::image {
namespace {

// The CPUs this process may run on (a Slurm job's cpuset), not every CPU of the node.
unsigned usable_cpus() {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    int count = ::sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
    if (count <= 0) count = static_cast<int>(std::thread::hardware_concurrency());
    return static_cast<unsigned>(std::max(count, 1));
}

unsigned default_thread_count() { return std::max(2u, usable_cpus()); }

unsigned default_prefetch_threads() {
    unsigned cpus = usable_cpus();
    return cpus > 2 ? std::min(cpus - 2, 16u) : 0;
}

// Each worker waits on its own epoll set holding the FUSE device (EPOLLEXCLUSIVE: one waiter
// woken per request, not all) and the stop event (every waiter woken). A blocking read of
// /dev/fuse could not be interrupted while some process still holds a file of the mount open:
// the connection, and so the read, would outlive the unmount.
UniqueFd make_worker_poll(int device, int stop_event) {
    UniqueFd poll(::epoll_create1(EPOLL_CLOEXEC));
    if (!poll) throw_errno("creating a FUSE worker's epoll set");
    epoll_event request{};
    request.events = EPOLLIN | EPOLLEXCLUSIVE;
    request.data.u32 = 0;
    if (::epoll_ctl(poll.get(), EPOLL_CTL_ADD, device, &request) != 0) {
        request.events = EPOLLIN;  // kernels before 4.5: every worker wakes, one reads
        if (::epoll_ctl(poll.get(), EPOLL_CTL_ADD, device, &request) != 0) throw_errno("watching /dev/fuse");
    }
    epoll_event stop{};
    stop.events = EPOLLIN;
    stop.data.u32 = 1;
    if (::epoll_ctl(poll.get(), EPOLL_CTL_ADD, stop_event, &stop) != 0) throw_errno("watching the stop event");
    return poll;
}

}  // namespace

struct SquashfsServer::State {
    std::string image_path;
    ServeOptions options;
    UniqueFd image;  // every volume reads it with pread
    uint64_t offset = 0;
    std::vector<std::unique_ptr<SquashfsVolume>> volumes;  // [0] checked the image; one per worker
    std::unique_ptr<ServeContext> context;
    std::unique_ptr<Prefetcher> prefetcher;

    fuse_session* session = nullptr;
    std::optional<FuseMount> mounted;
    UniqueFd stop_event;
    std::vector<UniqueFd> polls;
    std::vector<std::thread> workers;

    ~State() { stop(); }

    void serve(SquashfsVolume* volume, int poll) {
        set_worker_volume(volume);
        fuse_buf buffer{};
        while (!fuse_session_exited(session)) {
            // Try the device first: under load a request is usually waiting, and the wait
            // (a second system call) is only needed when none is.
            int received = fuse_session_receive_buf(session, &buffer);
            if (received == -EAGAIN || received == -EINTR) {
                epoll_event ready[2];
                int count = ::epoll_wait(poll, ready, 2, -1);
                if (count < 0 && errno != EINTR) break;
                if (std::any_of(ready, ready + std::max(count, 0), [](const epoll_event& event) { return event.data.u32 == 1; }))
                    break;
                continue;
            }
            if (received <= 0) break;  // 0: unmounted (libfuse marks the session exited)
            fuse_session_process_buf(session, &buffer);
        }
        std::free(buffer.mem);
        set_worker_volume(nullptr);
    }

    void start_workers(unsigned count) {
        // Workers inherit this thread's signal mask: all blocked while they are made.
        sigset_t all, previous;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &previous);
        try {
            unsigned prefetch_threads = options.prefetch_threads ? options.prefetch_threads : default_prefetch_threads();
            if (options.prefetch_bytes > 0 && prefetch_threads > 0) {
                prefetcher = std::make_unique<Prefetcher>(context->cache, image.get(), offset, prefetch_threads);
                context->prefetcher = prefetcher.get();
                context->prefetch_bytes = options.prefetch_bytes;
            }
            for (unsigned i = 0; i < count; ++i)
                workers.emplace_back([this, i] { serve(volumes[i].get(), polls[i].get()); });
        } catch (const std::system_error& error) {
            ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
            throw Error(ExitCode::os, std::string("starting FUSE worker threads: ") + error.what(), error.code().value());
        } catch (...) {
            ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
            throw;
        }
        ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    }

    void stop() noexcept {
        // Unmount while the workers still answer, in case the kernel asks them something.
        if (mounted) mounted->detach();
        if (session) fuse_session_exit(session);
        if (stop_event) {
            uint64_t one = 1;
            [[maybe_unused]] ssize_t wrote = ::write(stop_event.get(), &one, sizeof one);
        }
        for (std::thread& worker : workers) worker.join();
        workers.clear();
        if (context) context->prefetcher = nullptr;
        prefetcher.reset();
        // Closing /dev/fuse ends the connection: anything still queued fails with ENOTCONN.
        if (session) fuse_session_destroy(session);
        session = nullptr;
        polls.clear();
        stop_event.reset();
        mounted.reset();
    }
};

SquashfsServer::SquashfsServer(const ImageFile& image, ServeOptions options) : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.image_path = image.resolved_path();
    s.options = options;
    try {
        if (image.format() == ImageFormat::directory)
            throw Error(ExitCode::software, "a directory image is bind-mounted, not served through FUSE");
        s.image.reset(::fcntl(image.fd(), F_DUPFD_CLOEXEC, 0));
        if (!s.image) throw_errno("duplicating the image descriptor");
        s.offset = image.squashfs().offset;
        s.volumes.push_back(std::make_unique<SquashfsVolume>(s.image.get(), s.offset));
        s.context = std::make_unique<ServeContext>(*s.volumes[0], options.block_cache_bytes, s.offset);
    } catch (const Error& error) {
        throw error.within(image.path());
    }
}

SquashfsServer::~SquashfsServer() = default;

void SquashfsServer::mount(const std::string& mountpoint) {
    State& s = *state_;
    if (s.session) throw Error(ExitCode::software, "the image is already mounted");
    unsigned threads = s.options.threads ? s.options.threads : default_thread_count();
    try {
        while (s.volumes.size() < threads) s.volumes.push_back(std::make_unique<SquashfsVolume>(s.image.get(), s.offset));
    } catch (const Error& error) {
        throw error.within(s.image_path);
    }
    // Ids as seen here, where the mount is made: the kernel maps them through this namespace.
    s.context->owner_uid = ::getuid();
    s.context->owner_gid = ::getgid();
    if (s.options.unmapped_ids_as_user) {
        s.context->shown_uids = IdRanges::of_this_namespace(false);
        s.context->shown_gids = IdRanges::of_this_namespace(true);
    }
    ::clock_gettime(CLOCK_REALTIME, &s.context->made);

    char program[] = "hpc";
    char* argv[] = {program, nullptr};
    fuse_args args = FUSE_ARGS_INIT(1, argv);
    s.session = fuse_session_new(&args, &squashfs_operations(), sizeof(fuse_lowlevel_ops), s.context.get());
    fuse_opt_free_args(&args);
    if (!s.session) throw Error(ExitCode::software, "creating the FUSE session failed");

    try {
        s.mounted = FuseMount::mount(mountpoint, s.image_path, s.options.allow_other, s.context->owner_uid,
                                     s.context->owner_gid);
        int device = s.mounted->device();
        // The mount is made; libfuse only takes the descriptor ("/dev/fd/N" means just that).
        std::string handed = "/dev/fd/" + std::to_string(device);
        if (fuse_session_mount(s.session, handed.c_str()) != 0)
            throw Error(ExitCode::software, "handing /dev/fuse to libfuse failed");
        s.mounted->release_device();  // fuse_session_destroy closes it
        // Non-blocking, so that a worker woken for a request another one took goes back to waiting.
        if (::fcntl(device, F_SETFL, ::fcntl(device, F_GETFL) | O_NONBLOCK) != 0) throw_errno("configuring /dev/fuse");
        s.stop_event.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!s.stop_event) throw_errno("creating the FUSE stop event");
        for (unsigned i = 0; i < threads; ++i) s.polls.push_back(make_worker_poll(device, s.stop_event.get()));
        s.start_workers(threads);
        // The kernel made the root inode at mount time owned by uid 0, and checks that owner
        // before it asks the server anything when something is created in the root: for an
        // unprivileged user (0 unmapped) that is EACCES. A stat fetches the root's real
        // attributes, and proves the server answers (the INIT handshake went through).
        struct stat root {};
        if (::fstatat(s.mounted->root(), "", &root, AT_EMPTY_PATH) != 0) throw_errno("reading the mounted image's root");
    } catch (...) {
        s.stop();
        throw;
    }
}

void SquashfsServer::seal() {
    state_->context->synthetic.seal();
    if (state_->mounted) state_->mounted->remount_read_only();
}

ServeStats SquashfsServer::stats() const {
    const ServeContext& context = *state_->context;
    BlockCacheStats cache = context.cache.stats();
    ServeStats stats;
    stats.blocks_decoded = cache.decoded;
    stats.decoded_bytes = cache.decoded_bytes;
    stats.blocks_decoded_ahead = cache.decoded_ahead;
    stats.cache_hits = cache.hits;
    stats.cache_joins = cache.joined;
    stats.cache_evictions = cache.evicted;
    stats.cache_resident_bytes = cache.resident_bytes;
    stats.cache_peak_bytes = cache.peak_resident_bytes;
    stats.lookup_requests = context.lookup_requests.load();
    stats.getattr_requests = context.getattr_requests.load();
    stats.read_requests = context.read_requests.load();
    stats.bytes_served = context.bytes_served.load();
    stats.threads = static_cast<unsigned>(state_->workers.size());
    return stats;
}

}  // namespace hpc::image
