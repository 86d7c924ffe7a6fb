#include "sandbox/run/staged_tree_key.hpp"

#include "sandbox/plan/staged_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>

namespace hpc::sandbox {
namespace {

// What the host path `path` is now, as the kernel tells one file from another: its device and
// inode, and its file handle, which holds the inode's generation where the file system has one
// (ext4, XFS, tmpfs): an inode number freed and given to a new directory is told apart.
std::string identity_of(const std::string& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) return "-";
    std::string identity = std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
    // struct file_handle ends in a flexible array: room for the largest handle after it.
    alignas(file_handle) unsigned char storage[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
    auto* handle = reinterpret_cast<file_handle*>(storage);
    handle->handle_bytes = MAX_HANDLE_SZ;
    int mount_id = 0;
    if (::name_to_handle_at(AT_FDCWD, path.c_str(), handle, &mount_id, 0) == 0) {
        identity += ":" + std::to_string(handle->handle_type) + ":";
        const unsigned char* bytes = storage + sizeof(file_handle);
        for (unsigned index = 0; index < handle->handle_bytes && index < MAX_HANDLE_SZ; ++index) {
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", bytes[index]);
            identity += hex;
        }
    }
    return identity;
}

}  // namespace

std::string staged_tree_key(const LaunchPlan& plan) {
    if (!staged_tree_reusable(plan)) return {};
    std::string key = staged_tree_description(plan);
    for (const MountStep& step : plan.mounts)
        if (step.kind == MountKind::bind || step.kind == MountKind::work_directory)
            key += "|" + identity_of(step.source);  // sources are canonical: the entry itself, no link followed
    if (key.size() > max_staged_tree_key) return {};
    return key;
}

}  // namespace hpc::sandbox
