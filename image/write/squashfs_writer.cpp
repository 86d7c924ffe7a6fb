// The order of a squashfs, as this writer lays it out: superblock, compressor options, file
// data (blocks and fragment blocks, as the block processor completes them), inode table,
// directory table, fragment table, export table, id table, xattr tables; then zeros to a
// multiple of 4 KiB. The superblock is written last, so that until the end the output holds
// no squashfs a reader could take for a whole one.
#include "image/write/squashfs_writer.hpp"

#include "common/error.hpp"
#include "image/write/file_data_writer.hpp"
#include "image/write/table_writers.hpp"
#include "image/write/sqfs_compressor.hpp"
#include "image/write/sqfs_output.hpp"
#include "image/write/tree_scanner.hpp"

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

class Writer {
public:
    Writer(const std::string& source, SqfsOutput& output, const SquashfsWriteOptions& options)
        : source_(source), output_(output), options_(options),
          compressor_(make_compressor(options.compression, options.block_size)),
          decompressor_(make_decompressor(options.compression, options.block_size)),
          xattrs_(created(sqfs_xattr_writer_create(0), "creating the xattr writer")) {}

    SquashfsWriteResult run() {
        SourceTree tree = scan_tree(source_, {.all_root = options_.all_root,
                                              .record_xattrs = [this](std::span<const Xattr> found) {
                                                  return record_xattrs(found);
                                              }});
        start_image();
        FileInodes file_inodes(tree.regular_files);
        {
            SqfsPtr<sqfs_block_processor_t> processor = make_block_processor();
            pack_files(tree, processor.get(), options_.block_size, file_inodes, output_, options_.progress);
        }
        write_tables(tree, file_inodes);
        return {.size = output_.size(), .inodes = super_.inode_count};
    }

private:
    uint32_t record_xattrs(std::span<const Xattr> found) {
        check(sqfs_xattr_writer_begin(xattrs_.get(), 0), "recording extended attributes");
        std::string name;
        for (const Xattr& xattr : found) {
            name.assign(xattr.name);
            check(sqfs_xattr_writer_add(xattrs_.get(), name.c_str(), xattr.value.data(), xattr.value.size()),
                  "recording extended attribute " + name);
        }
        uint32_t index = no_xattrs;
        check(sqfs_xattr_writer_end(xattrs_.get(), &index), "recording extended attributes");
        return index;
    }

    // The superblock's place is held by zeros until the end; the compressor's options follow.
    void start_image() {
        int64_t now = options_.source_date_epoch.value_or(static_cast<int64_t>(std::time(nullptr)));
        auto mkfs_time = static_cast<uint32_t>(std::clamp<int64_t>(now, 0, std::numeric_limits<uint32_t>::max()));
        check(sqfs_super_init(&super_, options_.block_size, mkfs_time,
                              compressor_id(options_.compression, options_.block_size)),
              "starting the superblock");
        const sqfs_super_t zeros{};
        check(output_.file()->write_at(output_.file(), 0, &zeros, sizeof zeros), "writing the output");
        int written = compressor_->write_options(compressor_.get(), output_.file());
        if (written < 0) check(written, "writing the compressor options");
        if (written > 0) super_.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;
    }

    SqfsPtr<sqfs_block_processor_t> make_block_processor() {
        block_writer_ = created(sqfs_block_writer_create(output_.file(), device_block_size, 0), "creating the block writer");
        fragments_ = created(sqfs_frag_table_create(0), "creating the fragment table");
        unsigned workers = options_.threads != 0 ? options_.threads : usable_cpus();
        sqfs_block_processor_desc_t description{};
        description.size = sizeof description;
        description.max_block_size = options_.block_size;
        description.num_workers = workers;
        description.max_backlog = static_cast<sqfs_u32>(
            std::clamp<std::size_t>(std::size_t{workers} * backlog_per_worker, 3 + workers,
                                    std::max<std::size_t>(backlog_bytes_limit / options_.block_size, 3 + workers)));
        description.cmp = compressor_.get();
        description.wr = block_writer_.get();
        description.tbl = fragments_.get();
        // With the file and a decompressor, fragments that hash alike are compared byte for byte.
        description.file = output_.file();
        description.uncmp = decompressor_.get();
        sqfs_block_processor_t* processor = nullptr;
        check(sqfs_block_processor_create_ex(&description, &processor), "starting the compression threads");
        return SqfsPtr<sqfs_block_processor_t>(processor);
    }

    void write_tables(const SourceTree& tree, FileInodes& file_inodes) {
        auto inode_writer = created(sqfs_meta_writer_create(output_.file(), compressor_.get(), 0), "creating the inode table");
        auto directory_writer = created(
            sqfs_meta_writer_create(output_.file(), compressor_.get(), SQFS_META_WRITER_KEEP_IN_MEMORY),
            "creating the directory table");
        auto listings = created(sqfs_dir_writer_create(directory_writer.get(), SQFS_DIR_WRITER_CREATE_EXPORT_TABLE),
                                "creating the directory table");
        auto ids = created(sqfs_id_table_create(0), "creating the id table");
        write_inode_tables(tree, file_inodes, {inode_writer.get(), directory_writer.get(), listings.get(), ids.get()},
                           options_.source_date_epoch, output_, super_);

        check(sqfs_frag_table_write(fragments_.get(), output_.file(), &super_, compressor_.get()),
              "writing the fragment table");
        // The export table lets a server find an inode by its number alone (NFS, FUSE after a
        // forget); mksquashfs writes one by default too.
        check(sqfs_dir_writer_write_export_table(listings.get(), output_.file(), compressor_.get(), super_.inode_count,
                                                 super_.root_inode_ref, &super_),
              "writing the export table");
        check(sqfs_id_table_write(ids.get(), output_.file(), &super_, compressor_.get()), "writing the id table");
        check(sqfs_xattr_writer_flush(xattrs_.get(), output_.file(), &super_, compressor_.get()),
              "writing the xattr table");
        // Duplicate files and fragments were found and stored once; only files that fit in a
        // block go to fragments (mksquashfs's -no-tailends, its default).
        super_.flags &= static_cast<sqfs_u16>(~SQFS_FLAG_ALWAYS_FRAGMENTS);
        super_.bytes_used = output_.size();
        check(sqfs_super_write(&super_, output_.file()), "writing the superblock");
        check(output_.pad_and_cut(device_block_size), "writing the output");
    }

    void check(int code, const std::string& step) {
        if (code != 0) throw_sqfs_error(code, step, output_);
    }

    const std::string& source_;
    SqfsOutput& output_;
    const SquashfsWriteOptions& options_;
    SqfsPtr<sqfs_compressor_t> compressor_, decompressor_;
    SqfsPtr<sqfs_xattr_writer_t> xattrs_;
    SqfsPtr<sqfs_block_writer_t> block_writer_;
    SqfsPtr<sqfs_frag_table_t> fragments_;
    sqfs_super_t super_{};
};

}  // namespace

SquashfsWriteResult write_squashfs(const std::string& source, int fd, uint64_t offset,
                                   const SquashfsWriteOptions& options) {
    check_options(options);
    check_output(fd);
    SqfsOutput output(fd, offset);
    try {
        Writer writer(source, output, options);
        return writer.run();
    } catch (...) {
        output.discard();
        throw;
    }
}

}  // namespace hpc::image
