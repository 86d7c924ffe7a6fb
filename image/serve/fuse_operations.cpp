#include "image/serve/fuse_request.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace hpc::image {
namespace fuse {
namespace {

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
    // Files are read and directories listed by inode number alone: once the first open (and
    // opendir) answers ENOSYS, the kernel opens and releases without asking (two round trips
    // per file or directory saved: a re-read of a tree is served from its caches alone) and
    // keeps the pages and listings between opens.
    constexpr unsigned no_opens = FUSE_CAP_NO_OPEN_SUPPORT | FUSE_CAP_NO_OPENDIR_SUPPORT;
    ctx.opens_skipped = (conn->capable & no_opens) == no_opens;
    if (ctx.opens_skipped) conn->want |= no_opens;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        ctx.lookup_requests.fetch_add(1, std::memory_order_relaxed);
        std::string_view wanted(name);
        if (InodeMap::is_synthetic(parent)) {
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
        struct stat st = InodeMap::is_synthetic(ino) ? synthetic_attributes(ctx, synthetic_entry(ctx, ino))
                                                       : image_attributes(ctx, image_inode(ctx, ino));
        fuse_reply_attr(req, &st, forever);
    });
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
    serve(req, [&] {
        if (InodeMap::is_synthetic(ino)) fail(EINVAL);
        Inode link = image_inode(context(req), ino);
        if (!link.is_symlink()) fail(EINVAL);
        std::string target = volume().read_link(link);
        fuse_reply_readlink(req, target.c_str());
    });
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
        volume().announce(blocks);
        file.open = std::make_shared<std::atomic<bool>>(true);
        ctx.prefetcher->enqueue(std::move(blocks), file.open);
    } catch (const Error&) {
    }
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    serve(req, [&] {
        if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) fail(EROFS);
        ServeContext& ctx = context(req);
        if (ctx.opens_skipped) fail(ENOSYS);  // the kernel stops asking (op_init)
        std::unique_ptr<OpenFile> handle;
        if (InodeMap::is_synthetic(ino)) {
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

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
    serve(req, [&] {
        ServeContext& ctx = context(req);
        ctx.read_requests.fetch_add(1, std::memory_order_relaxed);
        const auto* file = reinterpret_cast<const OpenFile*>(fi->fh);
        // Without opens (op_init) there is no handle: the inode number says which file.
        std::optional<OpenFile> unopened;
        if (!file && ctx.opens_skipped && !InodeMap::is_synthetic(ino)) {
            unopened.emplace(OpenFile{image_inode(ctx, ino), nullptr});
            if (offset == 0) prefetch(ctx, *unopened);
            file = &*unopened;
        }
        if (!file || offset < 0) {
            fuse_reply_buf(req, nullptr, 0);
            return;
        }
        thread_local ReadPieces pieces;
        pieces.clear();
        ctx.reader.read(volume(), file->inode, static_cast<uint64_t>(offset), size, pieces);
        check_image_unchanged(ctx);  // the blocks may have been read as the file was rewritten
        ctx.bytes_served.fetch_add(pieces.bytes, std::memory_order_relaxed);
        if (pieces.pieces.empty())
            fuse_reply_buf(req, nullptr, 0);  // at or past the end
        else
            fuse_reply_iov(req, pieces.pieces.data(), static_cast<int>(pieces.pieces.size()));
        ctx.reader.delivered(pieces);
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
        if (!InodeMap::is_synthetic(ino)) value = volume().xattr(image_inode(ctx, ino), name);
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
        if (!InodeMap::is_synthetic(ino)) names = volume().list_xattrs(image_inode(ctx, ino));
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
        if (InodeMap::is_synthetic(parent)) {
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
    add_directory_operations(ops);
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
}  // namespace fuse

ServeContext::ServeContext(SquashfsVolume& probe, std::size_t cache_bytes, uint64_t image_offset)
    : cache(cache_bytes),
      inodes(probe.inode_count(), probe.root().number(), probe.root().ref()),
      synthetic(InodeMap::first_synthetic),
      reader(cache, image_offset, probe.block_size(), BlockRetention::until_served),
      block_size(probe.block_size()),
      bytes_used(probe.bytes_used()),
      inode_count(probe.inode_count()),
      has_xattrs(probe.has_xattrs()) {}

const fuse_lowlevel_ops& squashfs_operations() {
    static const fuse_lowlevel_ops operations = fuse::make_operations();
    return operations;
}

}  // namespace hpc::image
