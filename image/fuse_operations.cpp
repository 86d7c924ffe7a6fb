#define FUSE_USE_VERSION 312
#include "image/fuse_operations.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace hpc::image {
namespace {

static_assert(InodeTable::root_ino == FUSE_ROOT_ID);

// The image cannot change while it is mounted, so the kernel may keep every entry, negative
// entry and attribute for the life of the mount (seconds; about 31 years).
constexpr double forever = 1e9;

// readdir offsets: 1 after ".", 2 after "..", 2 + n inside the squashfs listing (n is its byte
// offset, below 2^32), and from this base on the synthetic children, which come last.
constexpr off_t synthetic_offsets = off_t(1) << 40;

thread_local SquashfsVolume* worker_volume = nullptr;

ServeContext& context(fuse_req_t req) { return *static_cast<ServeContext*>(fuse_req_userdata(req)); }
SquashfsVolume& volume() { return *worker_volume; }

[[noreturn]] void fail(int err) { throw Error(ExitCode::os, std::strerror(err), err); }

// Runs one operation's body, which replies as its last act, and turns whatever it throws into
// an error reply: an errno it carries (EROFS, EEXIST, ENOTDIR...), or EIO for a corrupt image.
template <typename Body>
void serve(fuse_req_t req, Body body) {
    try {
        body();
    } catch (const Error& error) {
        fuse_reply_err(req, error.sys_errno() != 0 ? error.sys_errno() : EIO);
    } catch (const std::bad_alloc&) {
        fuse_reply_err(req, ENOMEM);
    } catch (...) {
        fuse_reply_err(req, EIO);
    }
}

// The squashfs inode behind a FUSE inode of the image.
Inode image_inode(ServeContext& ctx, fuse_ino_t ino) {
    std::optional<uint32_t> number = ctx.inodes.number(ino);
    if (!number) fail(ESTALE);
    std::optional<uint64_t> ref = ctx.inodes.ref(*number);
    if (!ref) {
        // Only an inode the kernel never learnt from us; the export table, if any, knows it.
        ref = volume().export_ref(*number);
        if (!ref) fail(ESTALE);
        ctx.inodes.remember(*number, *ref);
    }
    Inode inode = volume().inode(*ref);
    if (inode.number() != *number) throw Error(ExitCode::data, "corrupt inode table (numbers disagree)");
    return inode;
}

struct stat image_attributes(ServeContext& ctx, const Inode& inode) {
    struct stat st = volume().attributes(inode);
    st.st_ino = ctx.inodes.ino(inode.number());
    if (!ctx.shown_uids.contains(st.st_uid)) st.st_uid = ctx.owner_uid;
    if (!ctx.shown_gids.contains(st.st_gid)) st.st_gid = ctx.owner_gid;
    return st;
}

struct stat synthetic_attributes(const ServeContext& ctx, const SyntheticEntries::Entry& entry) {
    struct stat st {};
    st.st_ino = entry.ino;
    st.st_mode = entry.directory ? (S_IFDIR | 0755) : (S_IFREG | 0644);
    st.st_nlink = entry.directory ? 2 : 1;
    st.st_uid = ctx.owner_uid;
    st.st_gid = ctx.owner_gid;
    st.st_blksize = ctx.block_size;
    st.st_atim = st.st_mtim = st.st_ctim = ctx.made;
    return st;
}

fuse_entry_param entry_with(const struct stat& st) {
    fuse_entry_param entry{};
    entry.ino = st.st_ino;
    entry.attr = st;
    entry.attr_timeout = forever;
    entry.entry_timeout = forever;
    return entry;
}

SyntheticEntries::Entry synthetic_entry(const ServeContext& ctx, fuse_ino_t ino) {
    std::optional<SyntheticEntries::Entry> entry = ctx.synthetic.get(ino);
    if (!entry) fail(ESTALE);
    return *entry;
}

void op_init(void* userdata, fuse_conn_info* conn) {
    auto& ctx = *static_cast<ServeContext*>(userdata);
    for (unsigned capability : {FUSE_CAP_ASYNC_READ, FUSE_CAP_PARALLEL_DIROPS, FUSE_CAP_READDIRPLUS,
                                FUSE_CAP_CACHE_SYMLINKS})
        if (conn->capable & capability) conn->want |= capability;
    // Always readdirplus (not "auto"): a listing is mostly followed by lookups of its names.
    // No page invalidation on attribute changes (there are none), no writeback cache (nothing
    // is written), no splice: replies come from decompressed blocks in memory in one writev.
    conn->want &= ~(FUSE_CAP_READDIRPLUS_AUTO | FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_WRITEBACK_CACHE |
                    FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
    // max_readahead stays at what the kernel offered (libfuse starts from UINT_MAX and takes
    // the smaller), max_write at libfuse's buffer, which also sets max_pages: reads of 1 MiB.
    conn->max_background = ctx.max_background;
    conn->congestion_threshold = ctx.max_background * 3 / 4;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        ctx.lookup_requests.fetch_add(1, std::memory_order_relaxed);
        std::string_view wanted(name);
        if (InodeTable::is_synthetic(parent)) {
            if (!synthetic_entry(ctx, parent).directory) fail(ENOTDIR);
        } else {
            Inode directory = image_inode(ctx, parent);
            if (!directory.is_directory()) fail(ENOTDIR);
            if (std::optional<DirEntry> found = volume().lookup(directory, wanted)) {
                uint64_t ref = found->ref;
                Inode child = volume().inode(ref);
                ctx.inodes.remember(child.number(), ref);
                fuse_entry_param entry = entry_with(image_attributes(ctx, child));
                fuse_reply_entry(req, &entry);
                return;
            }
        }
        if (std::optional<SyntheticEntries::Entry> made = ctx.synthetic.find(parent, wanted)) {
            fuse_entry_param entry = entry_with(synthetic_attributes(ctx, *made));
            fuse_reply_entry(req, &entry);
            return;
        }
        // Missing, and it stays missing unless made through the kernel, which then knows.
        fuse_entry_param negative{};
        negative.entry_timeout = forever;
        fuse_reply_entry(req, &negative);
    });
}

void op_forget(fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); }  // refs are kept for good
void op_forget_multi(fuse_req_t req, size_t, fuse_forget_data*) { fuse_reply_none(req); }

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        ctx.getattr_requests.fetch_add(1, std::memory_order_relaxed);
        struct stat st = InodeTable::is_synthetic(ino) ? synthetic_attributes(ctx, synthetic_entry(ctx, ino))
                                                       : image_attributes(ctx, image_inode(ctx, ino));
        fuse_reply_attr(req, &st, forever);
    });
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
    serve(req, [&] {
        if (InodeTable::is_synthetic(ino)) fail(EINVAL);
        Inode link = image_inode(context(req), ino);
        if (!link.is_symlink()) fail(EINVAL);
        std::string target = volume().read_link(link);
        fuse_reply_readlink(req, target.c_str());
    });
}

// --- directories

struct OpenDirectory {
    bool synthetic = false;
    Inode inode;  // an image directory's
    fuse_ino_t parent = FUSE_ROOT_ID;
};

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        auto handle = std::make_unique<OpenDirectory>();
        if (InodeTable::is_synthetic(ino)) {
            SyntheticEntries::Entry entry = synthetic_entry(ctx, ino);
            if (!entry.directory) fail(ENOTDIR);
            handle->synthetic = true;
            handle->parent = entry.parent;
        } else {
            handle->inode = image_inode(ctx, ino);
            if (!handle->inode.is_directory()) fail(ENOTDIR);
            uint32_t parent = handle->inode.parent_number();
            handle->parent = ino == FUSE_ROOT_ID || !ctx.inodes.valid_number(parent) ? FUSE_ROOT_ID : ctx.inodes.ino(parent);
        }
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
        const auto& handle = *reinterpret_cast<OpenDirectory*>(fi->fh);
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

// --- files

struct OpenFile {
    Inode inode;
    std::shared_ptr<std::atomic<bool>> open;  // cleared on release: prefetching stops
};

// Queues the first prefetch_bytes of a file larger than a block (a smaller one is the kernel's
// first read anyway) to be decoded ahead. Never fails the open.
void prefetch(ServeContext& ctx, OpenFile& file) {
    if (!ctx.prefetcher || file.inode.size() <= ctx.block_size) return;
    try {
        std::vector<BlockLocation> blocks;
        volume().locate(file.inode, 0, std::min<uint64_t>(file.inode.size(), ctx.prefetch_bytes), blocks);
        file.open = std::make_shared<std::atomic<bool>>(true);
        ctx.prefetcher->enqueue(std::move(blocks), file.open);
    } catch (const Error&) {
    }
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    serve(req, [&] {
        if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) fail(EROFS);
        ServeContext& ctx = context(req);
        std::unique_ptr<OpenFile> handle;
        if (InodeTable::is_synthetic(ino)) {
            if (synthetic_entry(ctx, ino).directory) fail(EISDIR);
        } else {
            handle = std::make_unique<OpenFile>(OpenFile{image_inode(ctx, ino), nullptr});
            if (handle->inode.is_directory()) fail(EISDIR);
            if (!handle->inode.is_regular()) fail(EINVAL);
            prefetch(ctx, *handle);
        }
        fi->fh = reinterpret_cast<uint64_t>(handle.get());  // 0 for a synthetic (empty) file
        fi->keep_cache = 1;  // pages stay valid between opens: the file never changes
        fi->noflush = 1;     // nothing to flush on close
        if (fuse_reply_open(req, fi) == 0)
            handle.release();
        else if (handle && handle->open)
            handle->open->store(false);
    });
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        ctx.read_requests.fetch_add(1, std::memory_order_relaxed);
        const auto* file = reinterpret_cast<const OpenFile*>(fi->fh);
        if (!file || offset < 0) {
            fuse_reply_buf(req, nullptr, 0);
            return;
        }
        thread_local ReadPieces pieces;
        pieces.clear();
        ctx.reader.read(volume(), file->inode, static_cast<uint64_t>(offset), size, pieces);
        ctx.bytes_served.fetch_add(pieces.bytes, std::memory_order_relaxed);
        if (pieces.pieces.empty())
            fuse_reply_buf(req, nullptr, 0);  // at or past the end
        else
            fuse_reply_iov(req, pieces.pieces.data(), static_cast<int>(pieces.pieces.size()));
        pieces.clear();  // let go of blocks the cache may have evicted meanwhile
    });
}

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    auto* file = reinterpret_cast<OpenFile*>(fi->fh);
    if (file && file->open) file->open->store(false);
    delete file;
    fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
    const ServeContext& ctx = context(req);
    struct statvfs st {};
    st.f_bsize = ctx.block_size;
    st.f_frsize = ctx.block_size;
    st.f_blocks = (ctx.bytes_used + ctx.block_size - 1) / ctx.block_size;
    st.f_files = ctx.inode_count + ctx.synthetic.size();
    st.f_namemax = 256;
    fuse_reply_statfs(req, &st);
}

// --- extended attributes

// An image without any xattrs answers ENOSYS, after which the kernel stops asking: that saves
// a round trip on every exec (security.capability) and every ls -l.
void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        if (!ctx.has_xattrs) fail(ENOSYS);
        std::optional<std::string> value;
        if (!InodeTable::is_synthetic(ino)) value = volume().xattr(image_inode(ctx, ino), name);
        if (!value) fail(ENODATA);
        if (size == 0) {
            fuse_reply_xattr(req, value->size());
            return;
        }
        if (size < value->size()) fail(ERANGE);
        fuse_reply_buf(req, value->data(), value->size());
    });
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        if (!ctx.has_xattrs) fail(ENOSYS);
        std::string names;
        if (!InodeTable::is_synthetic(ino)) names = volume().list_xattrs(image_inode(ctx, ino));
        if (size == 0) {
            fuse_reply_xattr(req, names.size());
            return;
        }
        if (size < names.size()) fail(ERANGE);
        fuse_reply_buf(req, names.data(), names.size());
    });
}

// --- the only writes: mount points, until sealed

void make_entry(fuse_req_t req, fuse_ino_t parent, const char* name, bool directory) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        if (ctx.synthetic.sealed()) fail(EROFS);
        if (InodeTable::is_synthetic(parent)) {
            if (!synthetic_entry(ctx, parent).directory) fail(ENOTDIR);
        } else {
            Inode directory_inode = image_inode(ctx, parent);
            if (!directory_inode.is_directory()) fail(ENOTDIR);
            if (volume().lookup(directory_inode, name)) fail(EEXIST);
        }
        SyntheticEntries::Entry made = ctx.synthetic.add(parent, name, directory);
        fuse_entry_param entry = entry_with(synthetic_attributes(ctx, made));
        fuse_reply_entry(req, &entry);
    });
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t) { make_entry(req, parent, name, true); }

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
    // Only empty regular files serve as mount points; no devices, fifos or sockets.
    if ((mode & S_IFMT) != S_IFREG && (mode & S_IFMT) != 0) {
        fuse_reply_err(req, context(req).synthetic.sealed() ? EROFS : EPERM);
        return;
    }
    make_entry(req, parent, name, false);
}

void refuse(fuse_req_t req) { fuse_reply_err(req, EROFS); }
void op_setattr(fuse_req_t req, fuse_ino_t, struct stat*, int, fuse_file_info*) { refuse(req); }
void op_unlink(fuse_req_t req, fuse_ino_t, const char*) { refuse(req); }
void op_rmdir(fuse_req_t req, fuse_ino_t, const char*) { refuse(req); }
void op_symlink(fuse_req_t req, const char*, fuse_ino_t, const char*) { refuse(req); }
void op_rename(fuse_req_t req, fuse_ino_t, const char*, fuse_ino_t, const char*, unsigned) { refuse(req); }
void op_link(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) { refuse(req); }
void op_write(fuse_req_t req, fuse_ino_t, const char*, size_t, off_t, fuse_file_info*) { refuse(req); }
void op_setxattr(fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) { refuse(req); }
void op_removexattr(fuse_req_t req, fuse_ino_t, const char*) { refuse(req); }
void op_fallocate(fuse_req_t req, fuse_ino_t, int, off_t, off_t, fuse_file_info*) { refuse(req); }

fuse_lowlevel_ops make_operations() {
    fuse_lowlevel_ops ops{};
    ops.init = op_init;
    ops.lookup = op_lookup;
    ops.forget = op_forget;
    ops.forget_multi = op_forget_multi;
    ops.getattr = op_getattr;
    ops.readlink = op_readlink;
    ops.opendir = op_opendir;
    ops.readdir = op_readdir;
    ops.readdirplus = op_readdirplus;
    ops.releasedir = op_releasedir;
    ops.open = op_open;
    ops.read = op_read;
    ops.release = op_release;
    ops.statfs = op_statfs;
    ops.getxattr = op_getxattr;
    ops.listxattr = op_listxattr;
    ops.mkdir = op_mkdir;
    ops.mknod = op_mknod;
    // No create: the kernel then makes O_CREAT files with mknod and opens them, which is
    // exactly a synthetic file (or EROFS once sealed). No access: permissions are not checked.
    ops.setattr = op_setattr;
    ops.unlink = op_unlink;
    ops.rmdir = op_rmdir;
    ops.symlink = op_symlink;
    ops.rename = op_rename;
    ops.link = op_link;
    ops.write = op_write;
    ops.setxattr = op_setxattr;
    ops.removexattr = op_removexattr;
    ops.fallocate = op_fallocate;
    return ops;
}

}  // namespace

ServeContext::ServeContext(SquashfsVolume& probe, std::size_t cache_bytes, uint64_t image_offset)
    : cache(cache_bytes),
      inodes(probe.inode_count(), probe.root().number(), probe.root().ref()),
      synthetic(InodeTable::first_synthetic),
      reader(cache, image_offset, probe.block_size()),
      block_size(probe.block_size()),
      bytes_used(probe.bytes_used()),
      inode_count(probe.inode_count()),
      has_xattrs(probe.has_xattrs()) {}

void set_worker_volume(SquashfsVolume* volume) { worker_volume = volume; }

const fuse_lowlevel_ops& squashfs_operations() {
    static const fuse_lowlevel_ops operations = make_operations();
    return operations;
}

}  // namespace hpc::image
