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
#include <string>
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

// What a request that came after the image file changed in place fails with (image_change.hpp).
inline constexpr std::string_view image_changed_cause =
    "the image file was changed in place (its size or modification time is not what it was)";

// Throws the failure of `image_changed_cause` when the image file has changed: in a body, after
// it read the image and before it replies, so that no reply holds bytes read after the change.
inline void check_image_unchanged(ServeContext& ctx) {
    if (ctx.change && ctx.change->seen()) throw Error(ExitCode::data, std::string(image_changed_cause));
}

// Runs one operation's body, which replies as its last act, and turns whatever it throws into
// an error reply: an errno it carries (EROFS, EEXIST, ENOTDIR...: the file system's answer), or
// a failure, recorded: EIO for a corrupt image (an Error without errno) or an unreadable one,
// ENOMEM when memory ran out. Once the image file has changed in place, every request fails so.
template <typename Body>
void serve(fuse_req_t req, Body body) {
    try {
        check_image_unchanged(context(req));
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
