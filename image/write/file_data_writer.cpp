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

class Packer {
public:
    Packer(SquashfsStream& stream, ProgressReporter& progress)
        : stream_(stream), progress_(progress), buffer_(new char[read_size]) {}

    void pack(const std::string& path, uint32_t file_index) {
        // O_NONBLOCK: should the file have been swapped for a fifo since the scan, open must
        // not wait for a writer; fstat below then refuses it.
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
        if (!fd) throw_unreadable(path, "cannot open", errno);
        struct stat info {};
        if (::fstat(fd.get(), &info) != 0) throw_unreadable(path, "cannot stat", errno);
        if (!S_ISREG(info.st_mode)) throw_unreadable(path, "changed while packing (no longer a regular file)", EINVAL);
        (void)::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

        if (stream_.begin_file(static_cast<uint64_t>(info.st_size), path) != file_index)
            throw Error(ExitCode::software, path + ": packed out of order");
        // Read to the end as it is now: the file may have changed since the scan, and what
        // is stored must be what was read.
        for (;;) {
            ssize_t got = ::read(fd.get(), buffer_.get(), read_size);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) throw_unreadable(path, "cannot read", errno);
            if (got == 0) break;
            stream_.append(buffer_.get(), static_cast<std::size_t>(got));
            progress_.add_bytes(static_cast<uint64_t>(got));
        }
        stream_.end_file();
        progress_.file_done();
    }

private:
    SquashfsStream& stream_;
    ProgressReporter& progress_;
    std::unique_ptr<char[]> buffer_;
};

}  // namespace

void pack_files(const SourceTree& tree, SquashfsStream& stream,
                const std::function<void(const SquashfsWriteProgress&)>& progress) {
    ProgressReporter reporter(tree, progress);
    Packer packer(stream, reporter);
    reporter.start();
    for (uint32_t index = 0; index < tree.nodes.size(); ++index) {
        const SourceNode& node = tree.nodes[index];
        if (!S_ISREG(node.mode) || node.primary != index) continue;
        packer.pack(tree.path(index), node.file_index);
    }
    reporter.finish();
}

}  // namespace hpc::image
