#include "builder/work_area.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace hpc::builder {
namespace {

std::string temporary_root(const std::string& parent) {
    if (!parent.empty()) return parent;
    const char* tmpdir = std::getenv("TMPDIR");
    return tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp";
}

int open_up(const char* path, const struct stat* status, int type, FTW*) {
    if (type == FTW_D || type == FTW_DNR) ::chmod(path, (status->st_mode & 07777) | S_IRWXU);
    return 0;
}

int remove_entry(const char* path, const struct stat*, int type, FTW*) {
    if (type == FTW_DP)
        ::rmdir(path);
    else
        ::unlink(path);
    return 0;
}

}  // namespace

void remove_tree(const std::string& path) noexcept {
    // First pass pre-order, so that each directory is opened up before it is read.
    ::nftw(path.c_str(), open_up, 16, FTW_PHYS | FTW_MOUNT);
    ::nftw(path.c_str(), remove_entry, 16, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

WorkArea::WorkArea(const std::string& parent) {
    std::string root = temporary_root(parent);
    std::string pattern = root + "/hpc-build.XXXXXX";
    if (!::mkdtemp(pattern.data())) throw_errno("create the build's work directory in " + root);
    path_ = pattern;  // mkdtemp makes it 0700
}

WorkArea::~WorkArea() {
    for (auto mount = mounts_.rbegin(); mount != mounts_.rend(); ++mount) ::umount2(mount->c_str(), MNT_DETACH);
    remove_tree(path_);
}

std::string WorkArea::directory(const std::string& name) const {
    std::string path = path_ + "/" + name;
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error) throw Error(ExitCode::cant_create, "create " + path + ": " + error.message());
    return path;
}

}  // namespace hpc::builder
