#include "sandbox/shadow_directory.hpp"

#include "common/error.hpp"
#include "sandbox/mount_ops.hpp"

#include <dirent.h>
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
    make_mount_point(parking, true);
    bind_mount(directory, parking, true);
    std::vector<Entry> entries = entries_of(parking);
    mount_tmpfs(directory, mode_option(parking));
    for (const Entry& entry : entries) {
        std::string original = parking + "/" + entry.name;
        std::string copy = directory + "/" + entry.name;
        if (entry.type == S_IFLNK) {
            char target[PATH_MAX];
            ssize_t length = ::readlink(original.c_str(), target, sizeof target - 1);
            if (length < 0) throw_errno("read link " + original);
            target[length] = '\0';
            if (::symlink(target, copy.c_str()) != 0) throw_errno("symlink " + copy);
            continue;
        }
        bool is_directory = entry.type == S_IFDIR;
        make_mount_point(copy, is_directory);
        bind_mount(original, copy, is_directory);
    }
}

}  // namespace hpc::sandbox
