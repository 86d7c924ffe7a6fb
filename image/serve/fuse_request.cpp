#include "image/serve/fuse_request.hpp"

#include <cstring>

namespace hpc::image {
namespace {

static_assert(InodeMap::root_ino == FUSE_ROOT_ID);

thread_local SquashfsVolume* worker_volume = nullptr;

}  // namespace

void set_worker_volume(SquashfsVolume* volume) { worker_volume = volume; }

namespace fuse {

SquashfsVolume& volume() { return *worker_volume; }

void fail(int err) { throw Error(ExitCode::os, std::strerror(err), err); }

void reply_failure(fuse_req_t req, int err, std::string_view cause) {
    // Recorded before the reply: whoever sees the error (the payload) and then asks the server
    // (the launcher, once the payload is gone) finds it counted.
    context(req).failures.record(cause);
    fuse_reply_err(req, err);
}

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

}  // namespace fuse
}  // namespace hpc::image
