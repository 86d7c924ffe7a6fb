#include "image/write/table_writers.hpp"

#include "common/error.hpp"

#include <sqfs/block.h>
#include <sqfs/error.h>
#include <sqfs/inode.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

namespace hpc::image {
namespace {

// For each node, its inode number (hard-linked names share their primary's), and the primary
// nodes in number order: order[n - 1] holds inode n.
struct InodeNumbers {
    std::vector<uint32_t> number;
    std::vector<uint32_t> order;
};

class Numberer {
public:
    explicit Numberer(const SourceTree& tree) : tree_(tree) {
        result_.number.assign(tree.nodes.size(), 0);
        result_.order.reserve(tree.nodes.size());
    }

    InodeNumbers run() {
        number_entries(0);
        assign(0);
        // Extra names share their primary's number.
        for (uint32_t index = 0; index < tree_.nodes.size(); ++index)
            result_.number[index] = result_.number[tree_.nodes[index].primary];
        return std::move(result_);
    }

private:
    void number_entries(uint32_t directory) {
        const SourceNode& node = tree_.nodes[directory];
        for (uint32_t child = node.first_child; child < node.first_child + node.child_count; ++child)
            if (S_ISDIR(tree_.nodes[child].mode)) number_entries(child);
        for (uint32_t child = node.first_child; child < node.first_child + node.child_count; ++child)
            assign(tree_.nodes[child].primary);
    }

    void assign(uint32_t primary) {
        if (result_.number[primary] != 0) return;  // a hard link named earlier
        result_.order.push_back(primary);
        result_.number[primary] = static_cast<uint32_t>(result_.order.size());
    }

    const SourceTree& tree_;
    InodeNumbers result_;
};

struct InodeFree {
    void operator()(sqfs_inode_generic_t* inode) const { sqfs_free(inode); }
};

class TableWriter {
public:
    TableWriter(const SourceTree& tree, FileInodes& file_inodes, const TableWriters& writers,
                std::optional<int64_t> clamp_time, SqfsOutput& output)
        : tree_(tree), file_inodes_(file_inodes), writers_(writers), output_(output),
          latest_(std::min<int64_t>(clamp_time.value_or(std::numeric_limits<uint32_t>::max()),
                                    std::numeric_limits<uint32_t>::max())),
          numbers_(Numberer(tree).run()), refs_(tree.nodes.size(), 0) {}

    void run(sqfs_super_t& super) {
        super.inode_table_start = output_.size();
        for (uint32_t index : numbers_.order) write(index);
        check(sqfs_meta_writer_flush(writers_.inodes), "writing the inode table");
        check(sqfs_meta_writer_flush(writers_.directories), "writing the directory table");
        super.directory_table_start = output_.size();
        check(sqfs_meta_write_write_to_file(writers_.directories), "writing the directory table");
        super.inode_count = static_cast<uint32_t>(numbers_.order.size());
        super.root_inode_ref = refs_[0];
    }

private:
    void write(uint32_t index) {
        const SourceNode& node = tree_.nodes[index];
        sqfs_inode_generic_t* inode = nullptr;
        std::unique_ptr<sqfs_inode_generic_t, InodeFree> owned;
        if (S_ISDIR(node.mode)) {
            owned.reset(directory_inode(index));
            inode = owned.get();
        } else if (S_ISREG(node.mode)) {
            inode = file_inode(node);
        } else {
            inode = other_inode(node);
        }
        inode->base.mode = static_cast<uint16_t>(node.mode);
        inode->base.mod_time = static_cast<uint32_t>(std::clamp<int64_t>(node.mtime, 0, latest_));
        inode->base.inode_number = numbers_.number[index];
        check(sqfs_id_table_id_to_index(writers_.ids, node.uid, &inode->base.uid_idx), "recording owners");
        check(sqfs_id_table_id_to_index(writers_.ids, node.gid, &inode->base.gid_idx), "recording owners");

        sqfs_u64 block = 0;
        sqfs_u32 offset = 0;
        sqfs_meta_writer_get_position(writers_.inodes, &block, &offset);
        refs_[index] = (block << 16) | offset;
        check(sqfs_meta_writer_write_inode(writers_.inodes, inode), "writing the inode table");
    }

    sqfs_inode_generic_t* directory_inode(uint32_t index) {
        const SourceNode& node = tree_.nodes[index];
        sqfs_dir_writer_t* listings = writers_.listings;
        check(sqfs_dir_writer_begin(listings, 0), "writing the directory table");
        for (uint32_t child = node.first_child; child < node.first_child + node.child_count; ++child) {
            const SourceNode& entry = tree_.nodes[child];
            uint32_t primary = entry.primary;
            std::string name(tree_.name(entry));
            check(sqfs_dir_writer_add_entry(listings, name.c_str(), numbers_.number[primary], refs_[primary],
                                            static_cast<uint16_t>(tree_.nodes[primary].mode)),
                  "writing the directory table");
        }
        check(sqfs_dir_writer_end(listings), "writing the directory table");

        // A listing longer than a metadata block gets an index, as mksquashfs gives it, so that
        // lookups skip to the right block; only the extended inode holds one. Asking for an
        // xattr index forces that form; the real index (perhaps none) is set afterwards.
        bool indexed = sqfs_dir_writer_get_size(listings) > SQFS_META_BLOCK_SIZE;
        uint32_t parent = index == 0 ? static_cast<uint32_t>(numbers_.order.size()) + 1
                                     : numbers_.number[node.parent];
        sqfs_inode_generic_t* inode =
            sqfs_dir_writer_create_inode(listings, 0, indexed ? 0 : node.xattrs, parent);
        if (inode == nullptr) check(SQFS_ERROR_ALLOC, "writing the directory table");
        if (inode->base.type == SQFS_INODE_EXT_DIR) {
            inode->data.dir_ext.nlink = 2 + node.subdirectories;
            inode->data.dir_ext.xattr_idx = node.xattrs;
        } else {
            inode->data.dir.nlink = 2 + node.subdirectories;
        }
        return inode;
    }

    sqfs_inode_generic_t* file_inode(const SourceNode& node) {
        sqfs_inode_generic_t* inode = *file_inodes_.slot(node.file_index);
        if (node.links > 1 || node.xattrs != no_xattrs) {
            check(sqfs_inode_make_extended(inode), "writing the inode table");
            inode->data.file_ext.nlink = node.links;
        }
        // Back to the basic form where nothing needs the extended one.
        check(sqfs_inode_set_xattr_index(inode, node.xattrs), "writing the inode table");
        return inode;
    }

    // Symlinks, devices, fifos and sockets, built in a buffer kept between calls.
    sqfs_inode_generic_t* other_inode(const SourceNode& node) {
        std::string_view target = S_ISLNK(node.mode) ? tree_.link_target(node) : std::string_view();
        std::size_t bytes = sizeof(sqfs_inode_generic_t) + target.size();
        scratch_.assign((bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t), 0);
        auto* inode = reinterpret_cast<sqfs_inode_generic_t*>(scratch_.data());
        switch (node.mode & S_IFMT) {
        case S_IFLNK:
            inode->base.type = SQFS_INODE_SLINK;
            inode->data.slink.nlink = node.links;
            inode->data.slink.target_size = static_cast<uint32_t>(target.size());
            inode->payload_bytes_available = inode->payload_bytes_used = static_cast<uint32_t>(target.size());
            std::memcpy(inode->extra, target.data(), target.size());
            break;
        case S_IFBLK:
        case S_IFCHR:
            inode->base.type = S_ISBLK(node.mode) ? SQFS_INODE_BDEV : SQFS_INODE_CDEV;
            inode->data.dev.nlink = node.links;
            inode->data.dev.devno = node.device;
            break;
        case S_IFIFO:
        case S_IFSOCK:
            inode->base.type = S_ISFIFO(node.mode) ? SQFS_INODE_FIFO : SQFS_INODE_SOCKET;
            inode->data.ipc.nlink = node.links;
            break;
        default:
            throw Error(ExitCode::software, "writing the inode table: unknown file type " + std::to_string(node.mode));
        }
        check(sqfs_inode_set_xattr_index(inode, node.xattrs), "writing the inode table");
        return inode;
    }

    void check(int code, const char* step) {
        if (code != 0) throw_sqfs_error(code, std::string(step), output_);
    }

    const SourceTree& tree_;
    FileInodes& file_inodes_;
    const TableWriters& writers_;
    SqfsOutput& output_;
    int64_t latest_;
    InodeNumbers numbers_;
    std::vector<uint64_t> refs_;
    std::vector<uint64_t> scratch_;
};

}  // namespace

void write_inode_tables(const SourceTree& tree, FileInodes& file_inodes, const TableWriters& writers,
                        std::optional<int64_t> clamp_time, SqfsOutput& output, sqfs_super_t& super) {
    TableWriter(tree, file_inodes, writers, clamp_time, output).run(super);
}

}  // namespace hpc::image
