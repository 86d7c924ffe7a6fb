#include "image/serve/fuse_mount.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hpc::image {
namespace {

UniqueFd open_fuse_device() {
    UniqueFd device(::open("/dev/fuse", O_RDWR | O_CLOEXEC));
    if (device) return device;
    int err = errno;
    if (err == ENOENT || err == EACCES || err == EPERM || err == ENODEV || err == ENXIO)
        throw Error(ExitCode::unavailable,
                    std::string("opening /dev/fuse: ") + std::strerror(err) +
                        ": hpc serves images through FUSE; the site must provide /dev/fuse (character device 10,229) "
                        "with mode 0666",
                    err);
    throw_errno("opening /dev/fuse", err);
}

}  // namespace

FuseMount FuseMount::mount(const std::string& mountpoint, const std::string& source, bool allow_other, uid_t uid,
                           gid_t gid) {
    FuseMount made;
    made.device_ = open_fuse_device();
    made.mountpoint_ = mountpoint;
    std::string options = "fd=" + std::to_string(made.device_.get()) + ",rootmode=40000,user_id=" + std::to_string(uid) +
                          ",group_id=" + std::to_string(gid);
    if (allow_other) options += ",allow_other";
    // nosuid, nodev: an image's setuid bits and device nodes grant nothing on the host.
    if (::mount(source.c_str(), mountpoint.c_str(), "fuse.hpc", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
        int err = errno;
        std::string hint = err == EPERM ? " (an unprivileged FUSE mount needs its own user and mount namespace)" : "";
        throw Error(exit_code_for_errno(err),
                    "mounting the image at " + mountpoint + " (fuse.hpc): " + std::strerror(err) + hint, err);
    }
    // An O_PATH open of the new root sends the (not yet served) file system no request.
    made.root_.reset(::open(mountpoint.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!made.root_) {
        int err = errno;
        ::umount2(mountpoint.c_str(), MNT_DETACH);
        throw_errno("opening the mounted image at " + mountpoint, err);
    }
    return made;
}

std::string FuseMount::path_to_root() const {
    // Through the descriptor, so that it is this mount even if the path now leads elsewhere
    // (after pivot_root, or if something was mounted over it). Whether /proc is there is asked
    // of /proc itself: asking of the link would send the FUSE server a request.
    if (::access("/proc/self/fd", F_OK) == 0) return "/proc/self/fd/" + std::to_string(root_.get());
    struct stat by_path {}, by_fd {};
    if (::stat(mountpoint_.c_str(), &by_path) == 0 && ::fstat(root_.get(), &by_fd) == 0 &&
        by_path.st_dev == by_fd.st_dev && by_path.st_ino == by_fd.st_ino)
        return mountpoint_;
    return {};
}

bool FuseMount::remount_read_only() noexcept {
    if (!root_) return false;
    std::string path = path_to_root();
    return !path.empty() &&
           ::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0;
}

void FuseMount::detach() noexcept {
    if (!root_) return;
    std::string path = path_to_root();
    // A failure (EINVAL) means the mount is no longer in this namespace: already unmounted,
    // or its namespace is gone. Nothing is left to do.
    if (!path.empty()) ::umount2(path.c_str(), MNT_DETACH);
    root_.reset();
}

}  // namespace hpc::image
