#define FUSE_USE_VERSION 312
#include "image/serve/squashfs_server.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "image/serve/fuse_mount.hpp"
#include "image/serve/fuse_operations.hpp"
#include "image/serve/fuse_workers.hpp"
#include "image/serve/image_change.hpp"
#include "image/squashfs/prefetcher.hpp"
#include "image/squashfs/squashfs_volume.hpp"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

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

// A libfuse call that returned only failure: the errno it left, where it left one. Where it left
// none, libfuse wrote its own "fuse: ..." line on stderr (every failure of the calls made here
// does), and the message points there.
[[noreturn]] void throw_libfuse_failure(const std::string& what, int err) {
    if (err != 0) throw Error(ExitCode::software, what + ": " + std::strerror(err), err);
    throw Error(ExitCode::software, what + ": libfuse gave no errno (its own \"fuse:\" line says why)");
}

}  // namespace

struct SquashfsServer::State {
    std::string image_path;
    std::string image_name;  // as the user gave it: what an error names
    ServeOptions options;
    UniqueFd image;  // every volume reads it with pread
    uint64_t offset = 0;
    std::unique_ptr<SquashfsVolume> probe;  // checked the image; the first worker reads through it
    std::unique_ptr<ServeContext> context;
    std::unique_ptr<ImageChange> change;  // of `image`, which it stats

    fuse_session* session = nullptr;
    std::optional<FuseMount> mounted;
    std::unique_ptr<FuseWorkers> workers;
    std::unique_ptr<Prefetcher> prefetcher;

    ~State() { stop(); }

    std::unique_ptr<SquashfsVolume> new_volume() const { return std::make_unique<SquashfsVolume>(image.get(), offset); }

    void stop() noexcept {
        // Unmount while the workers still answer, in case the kernel asks them something.
        if (mounted) mounted->detach();
        if (session) fuse_session_exit(session);
        if (workers) workers->stop();
        if (context) context->prefetcher = nullptr;
        prefetcher.reset();
        // Closing /dev/fuse ends the connection: anything still queued fails with ENOTCONN.
        if (session) fuse_session_destroy(session);
        session = nullptr;
        workers.reset();
        mounted.reset();
    }
};

SquashfsServer::SquashfsServer(const ImageFile& image, ServeOptions options) : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.image_path = image.resolved_path();
    s.image_name = image.path();
    s.options = options;
    try {
        if (image.format() == ImageFormat::directory)
            throw Error(ExitCode::software, "a directory image is bind-mounted, not served through FUSE");
        if (image.file_system() != FileSystemType::squashfs)
            throw Error(ExitCode::software, "an ext file system is served by fuse2fs, not by hpc's squashfs server");
        // The same file opened anew: a description of the server's own, whose reads (a whole
        // tree's, in order) get the kernel's readahead that the image file's small reads go without.
        s.image.reset(::open(("/proc/self/fd/" + std::to_string(image.fd())).c_str(), O_RDONLY | O_CLOEXEC));
        if (!s.image) throw_errno("reopening the image for the server");
        s.offset = image.squashfs().offset;
        s.probe = s.new_volume();
        s.context = std::make_unique<ServeContext>(*s.probe, options.block_cache_bytes, s.offset);
        s.change = std::make_unique<ImageChange>(
            s.image.get(), options.written_in_place ? std::optional<uint64_t>(s.offset) : std::nullopt);
        s.context->change = s.change.get();
    } catch (const Error& error) {
        throw error.within(image.path());
    }
}

SquashfsServer::~SquashfsServer() = default;

void SquashfsServer::mount(const std::string& mountpoint) {
    State& s = *state_;
    if (s.session) throw Error(ExitCode::software, s.image_name + ": the image is already mounted by this server");
    unsigned threads = s.options.threads ? s.options.threads : default_thread_count();
    // Ids as seen here, where the mount is made: the kernel maps them through this namespace.
    s.context->owner_uid = ::getuid();
    s.context->owner_gid = ::getgid();
    if (!s.options.mapped_uids.empty()) s.context->shown_uids = IdRanges(s.options.mapped_uids);
    if (!s.options.mapped_gids.empty()) s.context->shown_gids = IdRanges(s.options.mapped_gids);
    ::clock_gettime(CLOCK_REALTIME, &s.context->made);

    char program[] = "hpc";
    char* argv[] = {program, nullptr};
    fuse_args args = FUSE_ARGS_INIT(1, argv);
    // With no options, it fails only when memory or thread-specific keys run out.
    errno = 0;
    s.session = fuse_session_new(&args, &squashfs_operations(), sizeof(fuse_lowlevel_ops), s.context.get());
    int session_err = errno;
    fuse_opt_free_args(&args);
    if (!s.session)
        throw_libfuse_failure(s.image_name + ": creating the FUSE session that serves the image", session_err);

    try {
        s.mounted = FuseMount::mount(mountpoint, s.image_path, s.options.allow_other, s.context->owner_uid,
                                     s.context->owner_gid);
        int device = s.mounted->device();
        // The mount is made; libfuse only takes the descriptor ("/dev/fd/N" means just that).
        std::string handed = "/dev/fd/" + std::to_string(device);
        errno = 0;
        if (fuse_session_mount(s.session, handed.c_str()) != 0)
            throw_libfuse_failure(s.image_name + ": handing the mount's /dev/fuse descriptor " + handed + " to libfuse",
                                  errno);
        s.mounted->release_device();  // fuse_session_destroy closes it
        s.workers = std::make_unique<FuseWorkers>(
            s.session, device, [&s] { return s.new_volume(); }, threads, std::vector<int>{s.image.get()});
        unsigned prefetch_threads = s.options.prefetch_threads ? s.options.prefetch_threads : default_prefetch_threads();
        if (s.options.prefetch_bytes > 0 && prefetch_threads > 0) {
            s.prefetcher = std::make_unique<Prefetcher>(s.context->cache, [&s] { return s.new_volume(); }, s.offset,
                                                        prefetch_threads);
            s.context->prefetcher = s.prefetcher.get();
            s.context->prefetch_bytes = s.options.prefetch_bytes;
        }
        s.workers->start(*s.probe);
        // The kernel made the root inode at mount time owned by uid 0, and checks that owner
        // before it asks the server anything when something is created in the root: for an
        // unprivileged user (0 unmapped) that is EACCES. A stat fetches the root's real
        // attributes, and proves the server answers (the INIT handshake went through).
        struct stat root {};
        // An image changed since it was opened and checked (ImageFile::open) may fail here, as
        // a bare EIO from the kernel: the message names the image it is about.
        if (::fstatat(s.mounted->root(), "", &root, AT_EMPTY_PATH) != 0)
            throw_errno(s.image_name + ": reading the mounted image's root");
    } catch (...) {
        s.stop();
        throw;
    }
}

void SquashfsServer::seal() {
    state_->context->synthetic.seal();
    if (state_->mounted) state_->mounted->remount_read_only();
}

ServeFailures SquashfsServer::failures() const {
    ServeFailures failures = state_->context->failures.snapshot();
    failures.image_changed = state_->change->seen();  // also when no request came after the change
    return failures;
}

ServeStats SquashfsServer::stats() const {
    const ServeContext& context = *state_->context;
    BlockCacheStats cache = context.cache.stats();
    ServeStats stats;
    stats.blocks_decoded = cache.decoded;
    stats.decoded_bytes = cache.decoded_bytes;
    stats.blocks_decoded_ahead = cache.decoded_ahead;
    stats.blocks_decoded_again = cache.decoded_again;
    stats.cache_hits = cache.hits;
    stats.cache_joins = cache.joined;
    stats.cache_evictions = cache.evicted;
    stats.cache_resident_bytes = cache.resident_bytes;
    stats.cache_peak_bytes = cache.peak_resident_bytes;
    stats.lookup_requests = context.lookup_requests.load();
    stats.getattr_requests = context.getattr_requests.load();
    stats.read_requests = context.read_requests.load();
    stats.bytes_served = context.bytes_served.load();
    stats.threads = state_->workers ? state_->workers->count() : 0;
    return stats;
}

}  // namespace hpc::image
