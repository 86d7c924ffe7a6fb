#include "image/cache/entry_lock.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

namespace hpc::image::cache {
namespace {

// Whether `name` in `folder` is still the file `fd` is open on.
bool still_named(int folder, const std::string& name, int fd) {
    struct stat held {}, named {};
    if (::fstat(fd, &held) != 0) return false;
    if (::fstatat(folder, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0) return false;
    return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

// The lock file's name in this process: its folder's device and inode, and its name.
std::string claim_key(int folder, const std::string& name, const std::string& path) {
    struct stat status {};
    if (::fstat(folder, &status) != 0) throw_errno("cache lock " + path);
    return std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino) + "/" + name;
}

}  // namespace

std::optional<EntryLock> EntryLock::lock(int locks_folder, const std::string& name, const std::string& locks_path,
                                         bool wait) {
    std::string path = locks_path + "/" + name;
    std::string key = claim_key(locks_folder, name, path);
    std::optional<ProcessClaim> claim = wait ? ProcessClaim::take(key) : ProcessClaim::try_take(key);
    if (!claim) return std::nullopt;  // another thread of this process holds it
    for (;;) {
        UniqueFd fd(::openat(locks_folder, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) throw_errno("cache lock " + path);
        int result;
        do result = ::flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB));
        while (result != 0 && errno == EINTR);
        if (result != 0) {
            if (!wait && errno == EWOULDBLOCK) return std::nullopt;
            if (errno == ENOSYS || errno == ENOLCK)
                throw_errno("cache lock " + path + " (flock; on Lustre, the clients must mount with -o flock)");
            throw_errno("cache lock " + path);
        }
        if (still_named(locks_folder, name, fd.get()))
            return EntryLock(locks_folder, name, std::move(*claim), std::move(fd));
        // Removed (and maybe made again) by the holder we waited for: lock the file there now.
    }
}

EntryLock EntryLock::acquire(int locks_folder, const std::string& name, const std::string& locks_path) {
    return std::move(*lock(locks_folder, name, locks_path, true));
}

std::optional<EntryLock> EntryLock::try_acquire(int locks_folder, const std::string& name, const std::string& locks_path) {
    return lock(locks_folder, name, locks_path, false);
}

void EntryLock::remove_file() {
    // ENOENT: already gone; anything else leaves an empty file behind, which is harmless.
    ::unlinkat(locks_folder_, name_.c_str(), 0);
}

}  // namespace hpc::image::cache
