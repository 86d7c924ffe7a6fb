// The FUSE servers hpc runs as programs of their own, for what its own server does not serve:
// fuse2fs for an ext2/3/4 image's file system (an overlay image, a SIF's overlay partition, an
// image bind of one), and fuse-overlayfs for a root whose writable layer is such an image (kernel
// overlayfs takes no upper layer on FUSE: fuse2fs gives no d_type, and overlayfs then refuses).
#pragma once

#include "common/unique_fd.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/run/fuse_program.hpp"

#include <memory>
#include <string>
#include <vector>

namespace hpc::sandbox {

// `image`'s ext file system served by fuse2fs at `target` (an empty directory), the file locked
// first against other writers (image_lock.hpp) and given to fuse2fs as the descriptor that was
// checked to be the file the planner was told of (`host_root` + its path, its device and inode).
// `other_ids`: processes of ids other than the user's own (--fakeroot's ranges) use it too.
// Throws hpc::Error: in_use when another run holds the image, denied when the file was replaced,
// data when fuse2fs cannot serve it (a corrupt file system: fuse2fs's words), unavailable
// without fuse2fs.
class ExtImageServer {
public:
    ExtImageServer(const ImageMount& image, const std::string& host_root, const std::string& target, bool other_ids);
    void stop() noexcept;  // fuse2fs writes the file system clean and ends; then the lock goes
    pid_t pid() const { return server_ ? server_->pid() : 0; }

private:
    UniqueFd lock_;
    std::unique_ptr<FuseProgram> server_;
};

// fuse-overlayfs at `target`: `lowers` (overlayfs's lowerdir syntax, the top first), `upper` and
// `work` in a writable layer's file system. `kept_fds` are descriptors the paths name as
// /proc/self/fd/N. Throws hpc::Error as FuseProgram does.
std::unique_ptr<FuseProgram> start_fuse_overlay(const std::string& lowers, const std::string& upper,
                                                const std::string& work, const std::string& target,
                                                std::vector<int> kept_fds, bool other_ids);

}  // namespace hpc::sandbox
