// The mount system calls the executor uses, each failing with an hpc::Error that names the
// operation, the paths and errno: "bind /oldroot/data on /newroot/mnt: No such file or directory".
#pragma once

#include <string>

namespace hpc::sandbox {

void make_mounts_private();  // everything below / becomes a slave: nothing propagates out
void bind_mount(const std::string& source, const std::string& target, bool recursive);
// The same, where `source` is a descriptor's /proc/self/fd/N and `source_name` its path, for messages.
void bind_mount(const std::string& source, const std::string& target, bool recursive, const std::string& source_name);
// Remounts a bind read-only, keeping the flags the kernel locks on mounts from a more
// privileged namespace (nosuid, nodev, noexec, atime), which a remount may not drop.
void remount_read_only(const std::string& target);
void mount_tmpfs(const std::string& target, const std::string& options);
void mount_devpts(const std::string& target);
void mount_proc(const std::string& target);
// `lowers`: overlayfs's lowerdir, ':'-separated, the top first. Without `upper` (and `work`),
// a read-only union of the lowers.
void mount_overlay(const std::string& lowers, const std::string& upper, const std::string& work,
                   const std::string& target);
// Refuses, naming `what`, a directory (`fd`) on a file system overlayfs cannot use as an upper
// layer: NFS, FUSE, Lustre, GPFS, PanFS, eCryptfs (overlayfs needs its xattrs and rename
// semantics there; Apptainer refuses the same list).
void check_overlay_upper(int fd, const std::string& what);
// pivot_root(2) into `new_root`, leaving the old root at `put_old` (below new_root).
void pivot_into(const std::string& new_root, const std::string& put_old);
// pivot_root(2) into `new_root` and detach the old root entirely (pivot_root(".", ".")).
void pivot_and_detach_old_root(const std::string& new_root);

// Makes `path` (and its missing parents, as directories) as a directory or an empty file.
// Returns false if it existed already.
bool make_mount_point(const std::string& path, bool directory);

}  // namespace hpc::sandbox
