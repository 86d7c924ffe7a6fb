#include "image/cache/entry_lock.hpp"

#include "common/error.hpp"
#include "common/named_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hpc::image::cache {
namespace {

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
    std::optional<UniqueFd> fd = lock_named_file(locks_folder, name, wait, "cache lock " + path);
    if (!fd) return std::nullopt;
    return EntryLock(locks_folder, name, std::move(*claim), std::move(*fd));
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
