#include "image/write/file_data_writer.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <sqfs/block.h>

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
    Packer(sqfs_block_processor_t* processor, uint32_t block_size, SqfsOutput& output, ProgressReporter& progress)
        : processor_(processor), block_size_(block_size), output_(output), progress_(progress),
          buffer_(new char[read_size]) {}

    void pack(const std::string& path, sqfs_inode_generic_t** inode) {
        // O_NONBLOCK: should the file have been swapped for a fifo since the scan, open must
        // not wait for a writer; fstat below then refuses it.
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
        if (!fd) throw_unreadable(path, "cannot open", errno);
        struct stat info {};
        if (::fstat(fd.get(), &info) != 0) throw_unreadable(path, "cannot stat", errno);
        if (!S_ISREG(info.st_mode)) throw_unreadable(path, "changed while packing (no longer a regular file)", EINVAL);
        (void)::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

        // mksquashfs's default (-no-tailends): only files that fit in one block go to fragments.
        uint32_t flags = static_cast<uint64_t>(info.st_size) > block_size_ ? SQFS_BLK_DONT_FRAGMENT : 0;
        check(sqfs_block_processor_begin_file(processor_, inode, nullptr, flags), path);
        // Read to the end as it is now: the file may have changed since the scan, and what
        // is stored must be what was read.
        for (;;) {
            ssize_t got = ::read(fd.get(), buffer_.get(), read_size);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) throw_unreadable(path, "cannot read", errno);
            if (got == 0) break;
            check(sqfs_block_processor_append(processor_, buffer_.get(), static_cast<std::size_t>(got)), path);
            progress_.add_bytes(static_cast<uint64_t>(got));
        }
        check(sqfs_block_processor_end_file(processor_), path);
        progress_.file_done();
    }

private:
    void check(int code, const std::string& path) {
        if (code != 0) throw_sqfs_error(code, "packing " + path, output_);
    }

    sqfs_block_processor_t* processor_;
    uint32_t block_size_;
    SqfsOutput& output_;
    ProgressReporter& progress_;
    std::unique_ptr<char[]> buffer_;
};

}  // namespace

FileInodes::~FileInodes() {
    for (sqfs_inode_generic_t* inode : slots_) sqfs_free(inode);
}

void pack_files(const SourceTree& tree, sqfs_block_processor_t* processor, uint32_t block_size,
                FileInodes& inodes, SqfsOutput& output,
                const std::function<void(const SquashfsWriteProgress&)>& progress) {
    ProgressReporter reporter(tree, progress);
    Packer packer(processor, block_size, output, reporter);
    reporter.start();
    for (uint32_t index = 0; index < tree.nodes.size(); ++index) {
        const SourceNode& node = tree.nodes[index];
        if (!S_ISREG(node.mode) || node.primary != index) continue;
        packer.pack(tree.path(index), inodes.slot(node.file_index));
    }
    if (int code = sqfs_block_processor_finish(processor)) throw_sqfs_error(code, "writing file data", output);
    reporter.finish();
}

}  // namespace hpc::image
