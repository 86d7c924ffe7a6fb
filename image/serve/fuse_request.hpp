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
#include <string_view>

namespace hpc::image::fuse {

// The image cannot change while it is mounted, so the kernel may keep every entry, negative
// entry and attribute for the life of the mount (seconds; about 31 years).
constexpr double forever = 1e9;

inline ServeContext& context(fuse_req_t req) { return *static_cast<ServeContext*>(fuse_req_userdata(req)); }
SquashfsVolume& volume();  // the calling worker's own

[[noreturn]] void fail(int err);  // throws an hpc::Error carrying `err` for the reply

// Answers `err` to a request the server could not serve because the image or hpc failed, and
// records it with its cause in the server's failure log (serve_failures.hpp): the kernel passes
// the payload the errno alone.
void reply_failure(fuse_req_t req, int err, std::string_view cause);

// Runs one operation's body, which replies as its last act, and turns whatever it throws into
// an error reply: an errno it carries (EROFS, EEXIST, ENOTDIR...: the file system's answer), or
// a failure, recorded: EIO for a corrupt image (an Error without errno) or an unreadable one,
// ENOMEM when memory ran out.
template <typename Body>
void serve(fuse_req_t req, Body body) {
    try {
        body();
    } catch (const Error& error) {
        int err = error.sys_errno();
        if (err != 0 && err != EIO && err != ENOMEM)
            fuse_reply_err(req, err);
        else
            reply_failure(req, err != 0 ? err : EIO, error.what());
    } catch (const std::bad_alloc&) {
        reply_failure(req, ENOMEM, "out of memory");
    } catch (const std::exception& error) {
        reply_failure(req, EIO, error.what());
    } catch (...) {
        reply_failure(req, EIO, "an exception that is not a std::exception");
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
