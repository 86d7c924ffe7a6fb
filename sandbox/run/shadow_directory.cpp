#include "sandbox/run/shadow_directory.hpp"

#include "common/error.hpp"
#include "common/exact_path.hpp"
#include "common/unique_fd.hpp"
#include "sandbox/run/mount_ops.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <vector>

namespace hpc::sandbox {
namespace {

struct Entry {
    std::string name;
    mode_t type;  // S_IFDIR, S_IFLNK, or anything else
};

std::vector<Entry> entries_of(const std::string& directory) {
    std::vector<Entry> entries;
    DIR* listing = ::opendir(directory.c_str());
    if (!listing) throw_errno("list " + directory);
    while (const dirent* entry = ::readdir(listing)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        struct stat status {};
        if (::lstat((directory + "/" + name).c_str(), &status) != 0) continue;  // gone meanwhile
        entries.push_back({name, status.st_mode & S_IFMT});
    }
    ::closedir(listing);
    return entries;
}

std::string mode_option(const std::string& directory) {
    struct stat status {};
    if (::stat(directory.c_str(), &status) != 0) throw_errno("stat " + directory);
    char option[32];
    std::snprintf(option, sizeof option, "mode=%o", static_cast<unsigned>(status.st_mode & 07777));
    return option;
}

}  // namespace

bool shadowing_helps(int err) { return err == EROFS || err == EACCES || err == EPERM || err == EOVERFLOW; }

void shadow_directory(const std::string& directory, const std::string& parking) {
    // `directory` may be a host's (another user's directory under a bound /tmp): it is used
    // through descriptors checked to be exactly it, and entries are made only in the new tmpfs.
    UniqueFd original_fd = open_exact(directory, O_DIRECTORY, "cover " + directory);
    make_mount_point(parking, true);
    bind_mount(descriptor_link(original_fd.get()), parking, true, directory);
    std::vector<Entry> entries = entries_of(parking);
    mount_tmpfs(descriptor_link(original_fd.get()), mode_option(parking));
    UniqueFd cover = open_exact(directory, O_DIRECTORY, "cover " + directory);
    struct stat original_status {}, cover_status {};
    if (::fstat(original_fd.get(), &original_status) != 0 || ::fstat(cover.get(), &cover_status) != 0)
        throw_errno("stat " + directory);
    if (cover_status.st_dev == original_status.st_dev)
        throw Error(ExitCode::denied, "cover " + directory + ": changed while hpc covered it");
    std::string cover_path = descriptor_link(cover.get());
    for (const Entry& entry : entries) {
        std::string original = parking + "/" + entry.name;
        if (entry.type == S_IFLNK) {
            char target[PATH_MAX];
            ssize_t length = ::readlink(original.c_str(), target, sizeof target - 1);
            if (length < 0) throw_errno("read link " + original);
            target[length] = '\0';
            if (::symlinkat(target, cover.get(), entry.name.c_str()) != 0)
                throw_errno("symlink " + directory + "/" + entry.name);
            continue;
        }
        bool is_directory = entry.type == S_IFDIR;
        int made = is_directory ? ::mkdirat(cover.get(), entry.name.c_str(), 0755)
                                : ::mknodat(cover.get(), entry.name.c_str(), S_IFREG | 0644, 0);
        if (made != 0) throw_errno("make " + directory + "/" + entry.name);
        bind_mount(original, cover_path + "/" + entry.name, is_directory, original);
    }
}

}  // namespace hpc::sandbox
