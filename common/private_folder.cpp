#include "common/private_folder.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace hpc {
namespace {

std::string named(const FolderKind& kind, const std::string& path) { return std::string(kind.label) + " " + path; }

// The checks every such folder passes, through its descriptor.
void check_folder(int fd, const std::string& path, const FolderKind& kind) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) throw_errno(named(kind, path));
    if (!S_ISDIR(status.st_mode)) throw Error(ExitCode::denied, named(kind, path) + ": not a folder");
    uid_t me = ::geteuid();
    if (status.st_uid != me)
        throw Error(ExitCode::denied, named(kind, path) + ": owned by uid " + std::to_string(status.st_uid) +
                                          ", not by you (uid " + std::to_string(me) + "): " + std::string(kind.one_users));
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        throw Error(ExitCode::denied, named(kind, path) + ": writable by group or others (mode " +
                                          octal_mode(static_cast<unsigned>(status.st_mode)) + "): chmod go-w it" +
                                          std::string(kind.writable_remedy));
}

void make_with_parents(const std::string& path, const FolderKind& kind) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        std::string parent = path.substr(0, slash);
        if (parent.back() == '/') continue;  // "a//b"
        if (::mkdir(parent.c_str(), 0777) != 0 && errno != EEXIST) throw_errno(named(kind, path) + ": make " + parent);
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) throw_errno(named(kind, path) + ": make it");
}

}  // namespace

UniqueFd open_private_folder(const std::string& path, const FolderKind& kind) {
    make_with_parents(path, kind);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno(named(kind, path));
    check_folder(fd.get(), path, kind);
    return fd;
}

UniqueFd open_private_sub_folder(int parent, const std::string& parent_path, const char* name, const FolderKind& kind) {
    std::string path = parent_path + "/" + name;
    if (::mkdirat(parent, name, 0700) != 0 && errno != EEXIST) throw_errno(named(kind, path) + ": make it");
    UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        // With O_DIRECTORY, a link gives ENOTDIR as a file does: which it was is only for the message.
        struct stat status {};
        bool link = ::fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(status.st_mode);
        if (err == ELOOP || (err == ENOTDIR && link))
            throw Error(ExitCode::denied, named(kind, path) + ": a symbolic link, not a folder", err);
        if (err == ENOTDIR) throw Error(ExitCode::denied, named(kind, path) + ": not a folder", err);
        throw_errno(named(kind, path), err);
    }
    check_folder(fd.get(), path, kind);
    return fd;
}

}  // namespace hpc
