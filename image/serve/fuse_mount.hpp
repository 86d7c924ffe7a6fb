// The kernel side of a FUSE mount, made by hpc itself: /dev/fuse opened, mount(2) called with
// the descriptor in the options. No fusermount, no setuid helper: the caller must be allowed to
// mount where it asks (in its own user and mount namespace, an unprivileged user is).
#pragma once

#include "common/unique_fd.hpp"

#include <sys/types.h>

#include <string>

namespace hpc::image {

class FuseMount {
public:
    // Mounts a FUSE file system of type fuse.hpc at `mountpoint`, showing `source` in the
    // mount table. Not default_permissions: the kernel checks no mode bits (the image's owners
    // are ids the namespace may not map, and the user can read the whole image file anyway).
    // Throws hpc::Error: /dev/fuse missing or not usable (unavailable, saying what a site must
    // provide), or mount(2) refused (with its errno).
    static FuseMount mount(const std::string& mountpoint, const std::string& source, bool allow_other, uid_t uid,
                           gid_t gid);

    FuseMount(FuseMount&&) = default;
    FuseMount& operator=(FuseMount&&) = default;
    ~FuseMount() { detach(); }

    int device() const { return device_.get(); }
    int root() const { return root_.get(); }  // an O_PATH descriptor of the mounted root
    int release_device() { return device_.release(); }  // for libfuse, which closes it

    // Makes the superblock read-only (keeping nosuid and nodev): the kernel then refuses
    // writes itself, and stops asking for attributes again after every read (a read of a
    // writable FUSE file makes its atime, and so its attributes, stale). False if it failed.
    bool remount_read_only() noexcept;

    // Detaches the mount (MNT_DETACH) if it is still the one made here and still in this mount
    // namespace; does nothing if it is already gone. Never waits for the FUSE server.
    void detach() noexcept;

private:
    FuseMount() = default;
    // The path that names this mount: /proc/self/fd/N of root_, or the mount point if /proc
    // is missing and the mount point still leads to this mount's root; empty otherwise.
    std::string path_to_root() const;
    UniqueFd device_;
    UniqueFd root_;  // O_PATH on the mounted root: names this mount even after a pivot_root
    std::string mountpoint_;
};

}  // namespace hpc::image
