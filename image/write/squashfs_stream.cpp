// The order of a squashfs, as this writer lays it out: superblock, compressor options, file
// data (blocks and fragment blocks, as the block processor completes them), inode table,
// directory table, fragment table, export table, id table, xattr tables; then zeros to a
// multiple of 4 KiB. The superblock is written last, so that until the end the output holds
// no squashfs a reader could take for a whole one.
#include "image/write/squashfs_stream.hpp"

#include "common/error.hpp"
#include "image/write/file_inodes.hpp"
#include "image/write/sqfs_compressor.hpp"
#include "image/write/sqfs_output.hpp"
#include "image/write/table_writers.hpp"

#include <sqfs/block.h>
#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>
#include <sqfs/xattr_writer.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <limits>

namespace hpc::image {
namespace {

constexpr std::size_t device_block_size = SQFS_DEVBLK_SIZE;  // 4 KiB: what mksquashfs pads to
// The blocks in flight between reading and writing (each a block-sized buffer, small files
// included, until it is written or copied into a fragment block). The reading thread works in
// bursts (a run of small files, a directory of opens), and the workers starve unless enough is
// queued: on 2 cores with gzip, 4 per worker left a sixth of the CPU idle (27.3 s), 64 per
// worker keeps both busy (21.9 s against mksquashfs's 23.6 s on 680 MB of /usr, median of 5) in
// 36 MiB of memory (mksquashfs: 718 MiB). The total is capped so that many cores or large
// blocks stay within a fixed budget.
constexpr unsigned backlog_per_worker = 64;
constexpr std::size_t backlog_bytes_limit = 128u << 20;

unsigned usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    return static_cast<unsigned>(std::max(CPU_COUNT(&set), 1));
}

void check_options(const SquashfsWriteOptions& options) {
    uint32_t size = options.block_size;
    if (size < SQFS_MIN_BLOCK_SIZE || size > SQFS_MAX_BLOCK_SIZE || (size & (size - 1)) != 0)
        throw Error(ExitCode::usage, "block size " + std::to_string(size) +
                                         " is not a power of two from 4 KiB to 1 MiB");
}

void check_output(int fd) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) throw Error(ExitCode::cant_create, "output: cannot stat: " + std::string(std::strerror(errno)), errno);
    if (!S_ISREG(info.st_mode)) throw Error(ExitCode::cant_create, "output: not a regular file");
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) != O_RDWR)
        throw Error(ExitCode::cant_create, "output: must be open for reading and writing");
    if (flags & O_APPEND)  // pwrite would append instead of writing at the offset (pwrite(2), BUGS)
        throw Error(ExitCode::cant_create, "output: must not be open for appending");
}

template <typename T>
SqfsPtr<T> created(T* object, const char* what) {
    if (object == nullptr) throw Error(ExitCode::os, std::string(what) + ": " + std::strerror(ENOMEM), ENOMEM);
    return SqfsPtr<T>(object);
}

}  // namespace

FileInodes::~FileInodes() {
    for (sqfs_inode_generic_t* inode : slots_) sqfs_free(inode);
}

struct SquashfsStream::State {
    State(int fd, uint64_t offset, const SquashfsWriteOptions& options_in)
        : output(fd, offset), options(options_in),
          compressor(make_compressor(options.compression, options.block_size)),
          decompressor(make_decompressor(options.compression, options.block_size)),
          xattrs(created(sqfs_xattr_writer_create(0), "creating the xattr writer")) {}

    // The superblock's place is held by zeros until the end; the compressor's options follow.
    void start_image() {
        int64_t now = options.source_date_epoch.value_or(static_cast<int64_t>(std::time(nullptr)));
        auto mkfs_time = static_cast<uint32_t>(std::clamp<int64_t>(now, 0, std::numeric_limits<uint32_t>::max()));
        check(sqfs_super_init(&super, options.block_size, mkfs_time,
                              compressor_id(options.compression, options.block_size)),
              "starting the superblock");
        const sqfs_super_t zeros{};
        check(output.file()->write_at(output.file(), 0, &zeros, sizeof zeros), "writing the output");
        int written = compressor->write_options(compressor.get(), output.file());
        if (written < 0) check(written, "writing the compressor options");
        if (written > 0) super.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;
    }

    void start_processor() {
        block_writer = created(sqfs_block_writer_create(output.file(), device_block_size, 0), "creating the block writer");
        fragments = created(sqfs_frag_table_create(0), "creating the fragment table");
        unsigned workers = options.threads != 0 ? options.threads : usable_cpus();
        sqfs_block_processor_desc_t description{};
        description.size = sizeof description;
        description.max_block_size = options.block_size;
        description.num_workers = workers;
        description.max_backlog = static_cast<sqfs_u32>(
            std::clamp<std::size_t>(std::size_t{workers} * backlog_per_worker, 3 + workers,
                                    std::max<std::size_t>(backlog_bytes_limit / options.block_size, 3 + workers)));
        description.cmp = compressor.get();
        description.wr = block_writer.get();
        description.tbl = fragments.get();
        // With the file and a decompressor, fragments that hash alike are compared byte for byte.
        description.file = output.file();
        description.uncmp = decompressor.get();
        sqfs_block_processor_t* made = nullptr;
        check(sqfs_block_processor_create_ex(&description, &made), "starting the compression threads");
        processor.reset(made);
    }

    void write_tables(const SourceTree& tree) {
        auto inode_writer = created(sqfs_meta_writer_create(output.file(), compressor.get(), 0), "creating the inode table");
        auto directory_writer = created(
            sqfs_meta_writer_create(output.file(), compressor.get(), SQFS_META_WRITER_KEEP_IN_MEMORY),
            "creating the directory table");
        auto listings = created(sqfs_dir_writer_create(directory_writer.get(), SQFS_DIR_WRITER_CREATE_EXPORT_TABLE),
                                "creating the directory table");
        auto ids = created(sqfs_id_table_create(0), "creating the id table");
        write_inode_tables(tree, file_inodes, {inode_writer.get(), directory_writer.get(), listings.get(), ids.get()},
                           options.source_date_epoch, output, super);

        check(sqfs_frag_table_write(fragments.get(), output.file(), &super, compressor.get()),
              "writing the fragment table");
        // The export table lets a server find an inode by its number alone (NFS, FUSE after a
        // forget); mksquashfs writes one by default too.
        check(sqfs_dir_writer_write_export_table(listings.get(), output.file(), compressor.get(), super.inode_count,
                                                 super.root_inode_ref, &super),
              "writing the export table");
        check(sqfs_id_table_write(ids.get(), output.file(), &super, compressor.get()), "writing the id table");
        check(sqfs_xattr_writer_flush(xattrs.get(), output.file(), &super, compressor.get()),
              "writing the xattr table");
        // Duplicate files and fragments were found and stored once; only files that fit in a
        // block go to fragments (mksquashfs's -no-tailends, its default).
        super.flags &= static_cast<sqfs_u16>(~SQFS_FLAG_ALWAYS_FRAGMENTS);
        super.bytes_used = output.size();
        check(sqfs_super_write(&super, output.file()), "writing the superblock");
        check(output.pad_and_cut(device_block_size), "writing the output");
    }

    void check(int code, const std::string& step) {
        if (code != 0) throw_sqfs_error(code, step, output);
    }
    void check_file(int code) {
        if (code != 0) throw_sqfs_error(code, "packing " + file_name, output);
    }

    SqfsOutput output;
    const SquashfsWriteOptions& options;
    SqfsPtr<sqfs_compressor_t> compressor, decompressor;
    SqfsPtr<sqfs_xattr_writer_t> xattrs;
    SqfsPtr<sqfs_block_writer_t> block_writer;
    SqfsPtr<sqfs_frag_table_t> fragments;
    FileInodes file_inodes;
    // Declared after what it uses (the writers, the inodes' slots), so that it stops its
    // workers first.
    SqfsPtr<sqfs_block_processor_t> processor;
    sqfs_super_t super{};
    std::string file_name;  // the file being appended to, for messages
    bool finished = false;
};

SquashfsStream::SquashfsStream(int fd, uint64_t offset, const SquashfsWriteOptions& options) {
    check_options(options);
    check_output(fd);
    auto state = std::make_unique<State>(fd, offset, options);
    try {
        state->start_image();
        state->start_processor();
    } catch (...) {
        state->output.discard();
        throw;
    }
    state_ = std::move(state);
}

SquashfsStream::~SquashfsStream() {
    if (state_->finished) return;
    state_->processor.reset();  // its workers stop before the output is cut
    state_->output.discard();
}

uint32_t SquashfsStream::record_xattrs(std::span<const Xattr> attributes) {
    State& state = *state_;
    state.check(sqfs_xattr_writer_begin(state.xattrs.get(), 0), "recording extended attributes");
    std::string name;
    for (const Xattr& xattr : attributes) {
        name.assign(xattr.name);
        state.check(sqfs_xattr_writer_add(state.xattrs.get(), name.c_str(), xattr.value.data(), xattr.value.size()),
                    "recording extended attribute " + name);
    }
    uint32_t index = no_xattrs;
    state.check(sqfs_xattr_writer_end(state.xattrs.get(), &index), "recording extended attributes");
    return index;
}

uint32_t SquashfsStream::begin_file(uint64_t size, std::string_view name) {
    State& state = *state_;
    state.file_name.assign(name);
    uint32_t index = state.file_inodes.add();
    // mksquashfs's default (-no-tailends): only files that fit in one block go to fragments.
    uint32_t flags = size > state.options.block_size ? SQFS_BLK_DONT_FRAGMENT : 0;
    state.check_file(sqfs_block_processor_begin_file(state.processor.get(), state.file_inodes.slot(index), nullptr, flags));
    return index;
}

void SquashfsStream::append(const void* data, std::size_t size) {
    state_->check_file(sqfs_block_processor_append(state_->processor.get(), data, size));
}

void SquashfsStream::end_file() {
    state_->check_file(sqfs_block_processor_end_file(state_->processor.get()));
}

uint32_t SquashfsStream::files_begun() const {
    return static_cast<uint32_t>(state_->file_inodes.size());
}

SquashfsWriteResult SquashfsStream::finish(const SourceTree& tree) {
    State& state = *state_;
    state.check(sqfs_block_processor_finish(state.processor.get()), "writing file data");
    state.processor.reset();
    for (const SourceNode& node : tree.nodes)
        if (S_ISREG(node.mode) && node.file_index >= state.file_inodes.size())
            throw Error(ExitCode::software, "writing the inode table: a file whose data was never written");
    state.write_tables(tree);
    state.finished = true;
    return {.size = state.output.size(), .inodes = state.super.inode_count};
}

}  // namespace hpc::image
