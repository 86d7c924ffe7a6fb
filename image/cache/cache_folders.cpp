#include "image/cache/cache_folders.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace hpc::image::cache {
namespace {

// The checks every folder of the cache passes, through its descriptor.
void check_folder(int fd, const std::string& path) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) throw_errno("cache " + path);
    if (!S_ISDIR(status.st_mode)) throw Error(ExitCode::denied, "cache " + path + ": not a folder");
    uid_t me = ::geteuid();
    if (status.st_uid != me)
        throw Error(ExitCode::denied, "cache " + path + ": owned by uid " + std::to_string(status.st_uid) +
                                          ", not by you (uid " + std::to_string(me) + "): a cache is one user's");
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        throw Error(ExitCode::denied, "cache " + path + ": writable by group or others (mode " +
                                          octal_mode(static_cast<unsigned>(status.st_mode)) + "): chmod go-w it, or use another cache");
}

// `path`'s parents made as `mkdir -p` makes them (the umask's modes), then `path` itself, 0700.
void make_root(const std::string& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        std::string parent = path.substr(0, slash);
        if (parent.back() == '/') continue;  // "a//b"
        if (::mkdir(parent.c_str(), 0777) != 0 && errno != EEXIST) throw_errno("cache " + path + ": make " + parent);
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("cache " + path + ": make it");
}

// The sub-folder `name` of `parent` (made 0700 when absent), never through a link.
UniqueFd open_sub_folder(int parent, const std::string& parent_path, const char* name) {
    std::string path = parent_path + "/" + name;
    if (::mkdirat(parent, name, 0700) != 0 && errno != EEXIST) throw_errno("cache " + path + ": make it");
    UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        // With O_DIRECTORY, a link gives ENOTDIR as a file does: which it was is only for the message.
        struct stat status {};
        bool link = ::fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(status.st_mode);
        if (err == ELOOP || (err == ENOTDIR && link))
            throw Error(ExitCode::denied, "cache " + path + ": a symbolic link, not a folder", err);
        if (err == ENOTDIR) throw Error(ExitCode::denied, "cache " + path + ": not a folder", err);
        throw_errno("cache " + path, err);
    }
    check_folder(fd.get(), path);
    return fd;
}

}  // namespace

CacheFolders CacheFolders::open(const std::string& root) {
    if (root.empty()) throw Error(ExitCode::config, "cache: no folder given for it");
    CacheFolders folders;
    folders.root_ = root;
    while (folders.root_.size() > 1 && folders.root_.back() == '/') folders.root_.pop_back();
    make_root(folders.root_);
    // The root itself may be a link the user made (~/.cache to a scratch file system): what
    // it leads to is checked, through the descriptor, and used from then on.
    folders.root_fd_ = UniqueFd(::open(folders.root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!folders.root_fd_) throw_errno("cache " + folders.root_);
    check_folder(folders.root_fd_.get(), folders.root_);

    UniqueFd blobs = open_sub_folder(folders.root_fd_.get(), folders.root_, "blobs");
    UniqueFd sifs = open_sub_folder(folders.root_fd_.get(), folders.root_, "sif");
    folders.blobs_sha256_ = open_sub_folder(blobs.get(), folders.root_ + "/blobs", "sha256");
    folders.blobs_sha512_ = open_sub_folder(blobs.get(), folders.root_ + "/blobs", "sha512");
    folders.sifs_sha256_ = open_sub_folder(sifs.get(), folders.root_ + "/sif", "sha256");
    folders.sifs_sha512_ = open_sub_folder(sifs.get(), folders.root_ + "/sif", "sha512");
    folders.tags_ = open_sub_folder(folders.root_fd_.get(), folders.root_, "tags");
    folders.locks_ = open_sub_folder(folders.root_fd_.get(), folders.root_, "locks");
    return folders;
}

int CacheFolders::folder(Holding holding, std::string_view algorithm) const {
    bool sha512 = algorithm == "sha512";
    if (holding == Holding::blobs) return sha512 ? blobs_sha512_.get() : blobs_sha256_.get();
    return sha512 ? sifs_sha512_.get() : sifs_sha256_.get();
}

std::string CacheFolders::path(Holding holding, std::string_view algorithm) const {
    return root_ + (holding == Holding::blobs ? "/blobs/" : "/sif/") + std::string(algorithm);
}

}  // namespace hpc::image::cache
