#include "sandbox/run/ext_image_server.hpp"

#include "common/error.hpp"
#include "common/exact_path.hpp"
#include "sandbox/run/image_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>

namespace hpc::sandbox {

ExtImageServer::ExtImageServer(const ImageMount& image, const std::string& host_root, const std::string& target,
                               bool other_ids) {
    UniqueFd file = open_exact(host_root + image.path, 0, image.path);
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) throw_errno("stat " + image.path);
    if (status.st_dev != image.device || status.st_ino != image.inode)
        throw Error(ExitCode::denied, image.path + ": replaced by another file while hpc used it");
    lock_ = lock_image_extent(file.get(), image.offset, image.size, image.writable, image.path);
    // fakeroot: fuse2fs leaves permissions to the kernel (default_permissions), whose view of
    // owners is the namespace's; its own checks would refuse root's work/ to the user.
    std::string options = "fakeroot";
    if (!image.writable) options += ",ro";
    if (image.offset != 0) options += ",offset=" + std::to_string(image.offset);
    if (other_ids) options += ",allow_other";
    FuseProgramOptions program;
    program.kept_fds = {lock_.get()};
    server_ = std::make_unique<FuseProgram>(
        std::vector<std::string>{"fuse2fs", descriptor_link(lock_.get()), target, "-f", "-o", options}, target,
        "fuse2fs", program);
}

void ExtImageServer::stop() noexcept {
    if (server_) server_->stop();
    lock_.reset();
}

std::unique_ptr<FuseProgram> start_fuse_overlay(const std::string& lowers, const std::string& upper,
                                                const std::string& work, const std::string& target,
                                                std::vector<int> kept_fds, bool other_ids) {
    // noacl: its upper may not take ACLs; fuse-overlayfs keeps its own attributes in user.* xattrs.
    std::string options = "lowerdir=" + lowers + ",upperdir=" + upper + ",workdir=" + work + ",noacl";
    if (other_ids) options += ",allow_other";
    FuseProgramOptions program;
    program.kept_fds = std::move(kept_fds);
    program.file_capabilities = true;
    program.exit_code = ExitCode::unavailable;
    return std::make_unique<FuseProgram>(std::vector<std::string>{"fuse-overlayfs", "-f", "-o", options, target},
                                         target, "fuse-overlayfs", program);
}

}  // namespace hpc::sandbox
