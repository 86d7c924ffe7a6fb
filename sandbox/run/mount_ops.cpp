#include "sandbox/run/mount_ops.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace hpc::sandbox {
namespace {

void checked_mount(const std::string& what, const char* source, const std::string& target, const char* type,
                   unsigned long flags, const std::string& data) {
    if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0)
        throw_errno(what);
}

// The flags statvfs(3) reports, as mount(2) flags.
unsigned long mount_flags_of(const std::string& path) {
    struct statvfs status {};
    if (::statvfs(path.c_str(), &status) != 0) throw_errno("statvfs " + path);
    struct FlagPair {
        unsigned long statvfs_flag;
        unsigned long mount_flag;
    };
    constexpr FlagPair pairs[] = {
        {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
        {ST_NOATIME, MS_NOATIME},       {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
    };
    unsigned long flags = 0;
    for (const FlagPair& pair : pairs)
        if (status.f_flag & pair.statvfs_flag) flags |= pair.mount_flag;
    return flags;
}

bool exists(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}

bool make_one(const std::string& path, bool directory) {
    int result = directory ? ::mkdir(path.c_str(), 0755) : ::mknod(path.c_str(), S_IFREG | 0644, 0);
    if (result == 0) return true;
    if (errno == EEXIST) return false;
    throw_errno(std::string(directory ? "mkdir " : "create ") + path);
}

}  // namespace

void make_mounts_private() {
    checked_mount("make mounts private", nullptr, "/", nullptr, MS_REC | MS_SLAVE, "");
}

void bind_mount(const std::string& source, const std::string& target, bool recursive) {
    bind_mount(source, target, recursive, source);
}

void bind_mount(const std::string& source, const std::string& target, bool recursive, const std::string& source_name) {
    checked_mount("bind " + source_name + " on " + target, source.c_str(), target, nullptr,
                  MS_BIND | (recursive ? MS_REC : 0), "");
}

void remount_read_only(const std::string& target) {
    checked_mount("remount " + target + " read-only", nullptr, target, nullptr,
                  MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags_of(target), "");
}

void mount_tmpfs(const std::string& target, const std::string& options) {
    checked_mount("mount tmpfs on " + target, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options);
}

void mount_devpts(const std::string& target) {
    // A private instance: the container's ptys are its own, and ptmx is usable by the user.
    checked_mount("mount devpts on " + target, "devpts", target, "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620");
}

void mount_proc(const std::string& target) {
    checked_mount("mount proc on " + target, "proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
}

void mount_overlay(const std::string& lowers, const std::string& upper, const std::string& work,
                   const std::string& target) {
    // userxattr: in a user namespace overlayfs keeps its own attributes in user.* xattrs,
    // since trusted.* is out of reach (overlayfs docs, "Non-standard behavior").
    std::string options = "lowerdir=" + lowers + ",userxattr";
    if (!upper.empty()) options += ",upperdir=" + upper + ",workdir=" + work;
    checked_mount("mount overlay on " + target, "overlay", target, "overlay", 0, options);
}

void check_overlay_upper(int fd, const std::string& what) {
    struct Refused {
        long magic;  // statfs(2)'s f_type
        const char* name;
    };
    static constexpr Refused refused[] = {{0x6969, "NFS"},         {0x65735546, "FUSE"},  {0x0BD00BD0, "Lustre"},
                                          {0x47504653, "GPFS"},    {0xAAD7AAEA, "PanFS"}, {0xF15F, "eCryptfs"}};
    struct statfs status {};
    if (::fstatfs(fd, &status) != 0) throw_errno("statfs " + what);
    for (const Refused& file_system : refused)
        if (static_cast<long>(status.f_type) == file_system.magic)
            throw Error(ExitCode::unavailable, what + ": on " + file_system.name +
                                                   ", which overlayfs cannot write to as an overlay's upper layer: use an "
                                                   "ext3 overlay image there (hpc overlay create), or a directory on a "
                                                   "local file system");
}

void pivot_into(const std::string& new_root, const std::string& put_old) {
    if (::syscall(SYS_pivot_root, new_root.c_str(), put_old.c_str()) != 0)
        throw_errno("pivot_root into " + new_root);
    if (::chdir("/") != 0) throw_errno("chdir / after pivot_root");
}

void pivot_and_detach_old_root(const std::string& new_root) {
    if (::chdir(new_root.c_str()) != 0) throw_errno("chdir " + new_root);
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves
    // the new root alone, with no directory needed to park the old one (pivot_root(2)).
    if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root into " + new_root);
    if (::umount2(".", MNT_DETACH) != 0) throw_errno("detach the old root");
    if (::chdir("/") != 0) throw_errno("chdir / after pivot_root");
}

bool make_mount_point(const std::string& path, bool directory) {
    // Look before making: over the image's FUSE server a stat is answered from the kernel's
    // caches, where a mkdir of something that exists is a round trip to the server.
    if (exists(path)) return false;
    for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
        if (std::string parent = path.substr(0, slash); !exists(parent)) make_one(parent, true);
    return make_one(path, directory);
}

}  // namespace hpc::sandbox
