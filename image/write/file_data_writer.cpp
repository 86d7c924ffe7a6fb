#include "image/write/file_data_writer.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace hpc::image {
namespace {

// One read per MiB: few system calls, and small enough to stay in the CPU's caches on its way
// into the processor's blocks.
constexpr std::size_t read_size = 1 << 20;

[[noreturn]] void throw_unreadable(const std::string& path, const char* step, int err) {
    throw Error(ExitCode::no_input, path + ": " + step + ": " + std::strerror(err), err);
}

class ProgressReporter {
public:
    ProgressReporter(const SourceTree& tree, const std::function<void(const SquashfsWriteProgress&)>& callback)
        : callback_(callback) {
        state_.files_total = tree.regular_files;
        state_.bytes_total = tree.regular_bytes;
        bytes_step_ = std::max<uint64_t>(state_.bytes_total / 100, 1);
    }

    void start() { report(); }
    void add_bytes(uint64_t bytes) {
        state_.bytes_done += bytes;
        if (state_.bytes_done - reported_.bytes_done >= bytes_step_) report();
    }
    void file_done() {
        state_.files_done++;
        if (state_.files_done - reported_.files_done >= 100) report();
    }
    void finish() {
        if (state_.files_done != reported_.files_done || state_.bytes_done != reported_.bytes_done) report();
    }

private:
    void report() {
        reported_ = state_;
        if (callback_) callback_(state_);
    }

    const std::function<void(const SquashfsWriteProgress&)>& callback_;
    SquashfsWriteProgress state_, reported_;
    uint64_t bytes_step_ = 1;
};

}  // namespace

uint32_t pack_file(SquashfsStream& stream, const std::string& path, std::span<char> buffer,
                   const std::function<void(uint64_t)>& on_bytes) {
    // O_NONBLOCK: should the file have been swapped for a fifo since the scan, open must
    // not wait for a writer; fstat below then refuses it.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
    if (!fd) throw_unreadable(path, "cannot open", errno);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) throw_unreadable(path, "cannot stat", errno);
    if (!S_ISREG(info.st_mode)) throw_unreadable(path, "changed while packing (no longer a regular file)", EINVAL);
    (void)::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

    uint32_t index = stream.begin_file(static_cast<uint64_t>(info.st_size), path);
    // Read to the end as it is now: the file may have changed since the scan, and what
    // is stored must be what was read.
    for (;;) {
        ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw_unreadable(path, "cannot read", errno);
        if (got == 0) break;
        stream.append(buffer.data(), static_cast<std::size_t>(got));
        if (on_bytes) on_bytes(static_cast<uint64_t>(got));
    }
    stream.end_file();
    return index;
}

void pack_files(const SourceTree& tree, SquashfsStream& stream,
                const std::function<void(const SquashfsWriteProgress&)>& progress) {
    ProgressReporter reporter(tree, progress);
    std::vector<char> buffer(read_size);
    auto on_bytes = [&reporter](uint64_t bytes) { reporter.add_bytes(bytes); };
    reporter.start();
    for (uint32_t index = 0; index < tree.nodes.size(); ++index) {
        const SourceNode& node = tree.nodes[index];
        if (!S_ISREG(node.mode) || node.primary != index) continue;
        std::string path = tree.path(index);
        if (pack_file(stream, path, buffer, on_bytes) != node.file_index)
            throw Error(ExitCode::software, path + ": packed out of order");
        reporter.file_done();
    }
    reporter.finish();
}

}  // namespace hpc::image
