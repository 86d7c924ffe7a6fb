// What the FUSE operation files (fuse_operations.cpp, fuse_directories.cpp) share: the
// calling worker's volume, the server's context, turning exceptions into error replies, and
// attributes as the kernel gets them. Internal to the server; includes libfuse.
#pragma once

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif

#include "common/error.hpp"
#include "image/serve/fuse_operations.hpp"

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cerrno>
#include <new>

namespace hpc::image::fuse {

// The image cannot change while it is mounted, so the kernel may keep every entry, negative
// entry and attribute for the life of the mount (seconds; about 31 years).
constexpr double forever = 1e9;

inline ServeContext& context(fuse_req_t req) { return *static_cast<ServeContext*>(fuse_req_userdata(req)); }
SquashfsVolume& volume();  // the calling worker's own

[[noreturn]] void fail(int err);  // throws an hpc::Error carrying `err` for the reply

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

// The squashfs inode behind a FUSE inode of the image (ESTALE if the kernel cannot know it).
Inode image_inode(ServeContext& ctx, fuse_ino_t ino);
SyntheticEntries::Entry synthetic_entry(const ServeContext& ctx, fuse_ino_t ino);

struct stat image_attributes(ServeContext& ctx, const Inode& inode);
struct stat synthetic_attributes(const ServeContext& ctx, const SyntheticEntries::Entry& entry);
fuse_entry_param entry_with(const struct stat& st);  // with the forever timeouts

// Fills in the directory operations (fuse_directories.cpp).
void add_directory_operations(fuse_lowlevel_ops& ops);

}  // namespace hpc::image::fuse
