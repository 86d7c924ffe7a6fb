#include "image/serve/fuse_request.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hpc::image::fuse {
namespace {

// readdir offsets: 1 after ".", 2 after "..", 2 + n inside the squashfs listing (n is its byte
// offset, below 2^32), and from this base on the synthetic children, which come last.
constexpr off_t synthetic_offsets = off_t(1) << 40;

struct OpenDirectory {
    bool synthetic = false;
    Inode inode;  // an image directory's
    fuse_ino_t parent = FUSE_ROOT_ID;
};

// What listing directory `ino` needs; fails with ENOTDIR for anything else.
OpenDirectory directory_of(ServeContext& ctx, fuse_ino_t ino) {
    OpenDirectory directory;
    if (InodeMap::is_synthetic(ino)) {
        SyntheticEntries::Entry entry = synthetic_entry(ctx, ino);
        if (!entry.directory) fail(ENOTDIR);
        directory.synthetic = true;
        directory.parent = entry.parent;
    } else {
        directory.inode = image_inode(ctx, ino);
        if (!directory.inode.is_directory()) fail(ENOTDIR);
        uint32_t parent = directory.inode.parent_number();
        directory.parent = ino == FUSE_ROOT_ID || !ctx.inodes.valid_number(parent) ? FUSE_ROOT_ID : ctx.inodes.ino(parent);
    }
    return directory;
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        // As for files (op_init): the kernel stops asking, and lists by inode number alone.
        if (ctx.opens_skipped) fail(ENOSYS);
        auto handle = std::make_unique<OpenDirectory>(directory_of(ctx, ino));
        fi->fh = reinterpret_cast<uint64_t>(handle.get());
        // The kernel may keep the listing in its page cache across opens; a synthetic mkdir
        // through the kernel changes the directory's version, which drops that cache.
        fi->cache_readdir = 1;
        fi->keep_cache = 1;
        if (fuse_reply_open(req, fi) == 0) handle.release();
    });
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    delete reinterpret_cast<OpenDirectory*>(fi->fh);
    fuse_reply_err(req, 0);
}

// Fills one readdir(plus) reply: ".", "..", the image's entries, then synthetic ones.
class ListingReply {
public:
    ListingReply(fuse_req_t req, std::size_t size, bool plus) : req_(req), plus_(plus), buffer_(size) {}

    // False once the reply is full: the entry was not added.
    bool add(const char* name, const fuse_entry_param& entry, off_t next) {
        char* at = buffer_.data() + used_;
        std::size_t room = buffer_.size() - used_;
        std::size_t need = plus_ ? fuse_add_direntry_plus(req_, at, room, name, &entry, next)
                                 : fuse_add_direntry(req_, at, room, name, &entry.attr, next);
        if (need > room) return false;
        used_ += need;
        return true;
    }
    void send() { fuse_reply_buf(req_, buffer_.data(), used_); }
    bool plus() const { return plus_; }

private:
    fuse_req_t req_;
    bool plus_;
    std::vector<char> buffer_;
    std::size_t used_ = 0;
};

// An image entry as a listing gives it. Plain readdir needs only the type; readdirplus hands
// the kernel full attributes (a child that cannot be read is listed without them).
fuse_entry_param listed_entry(ServeContext& ctx, const DirEntry& found, bool plus) {
    fuse_entry_param entry{};
    entry.attr.st_mode = found.type;
    if (!ctx.inodes.valid_number(found.number)) return entry;  // listed, unusable: lookup says EIO
    entry.attr.st_ino = ctx.inodes.ino(found.number);
    ctx.inodes.remember(found.number, found.ref);
    if (!plus) return entry;
    try {
        Inode child = volume().inode(found.ref);
        if (child.number() == found.number) entry = entry_with(image_attributes(ctx, child));
    } catch (const Error&) {
    }
    return entry;
}

void list_directory(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t offset, fuse_file_info* fi, bool plus) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        std::optional<OpenDirectory> unopened;
        if (!fi->fh) unopened = directory_of(ctx, ino);
        const auto& handle = fi->fh ? *reinterpret_cast<OpenDirectory*>(fi->fh) : *unopened;
        ListingReply reply(req, size, plus);
        fuse_entry_param dot{};
        dot.attr.st_mode = S_IFDIR;
        if (offset < 1) {
            dot.attr.st_ino = ino;
            if (!reply.add(".", dot, 1)) return reply.send();
        }
        if (offset < 2) {
            dot.attr.st_ino = handle.parent;
            if (!reply.add("..", dot, 2)) return reply.send();
        }
        bool full = false;
        if (!handle.synthetic && offset < synthetic_offsets) {
            uint64_t from = offset > 2 ? uint64_t(offset - 2) : 0;
            volume().list(handle.inode, from, [&](const DirEntry& found, uint64_t next) {
                std::string name(found.name);
                full = !reply.add(name.c_str(), listed_entry(ctx, found, plus), static_cast<off_t>(2 + next));
                return !full;
            });
        }
        if (!full) {
            std::vector<SyntheticEntries::Entry> children = ctx.synthetic.children(ino);
            std::size_t first = offset > synthetic_offsets ? std::size_t(offset - synthetic_offsets) : 0;
            for (std::size_t i = first; i < children.size(); ++i) {
                fuse_entry_param entry = entry_with(synthetic_attributes(ctx, children[i]));
                if (!reply.add(children[i].name.c_str(), entry, synthetic_offsets + off_t(i) + 1)) break;
            }
        }
        reply.send();
    });
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
    list_directory(req, ino, size, offset, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
    list_directory(req, ino, size, offset, fi, true);
}

}  // namespace

void add_directory_operations(fuse_lowlevel_ops& ops) {
    ops.opendir = op_opendir;
    ops.readdir = op_readdir;
    ops.readdirplus = op_readdirplus;
    ops.releasedir = op_releasedir;
}

}  // namespace hpc::image::fuse
