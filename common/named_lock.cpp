#include "common/named_lock.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

namespace hpc {
namespace {

// Whether `name` in `folder` is still the file `fd` is open on.
bool still_named(int folder, const std::string& name, int fd) {
    struct stat held {}, named {};
    if (::fstat(fd, &held) != 0) return false;
    if (::fstatat(folder, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0) return false;
    return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

int flock_retrying(int fd, int operation) {
    int result;
    do result = ::flock(fd, operation);
    while (result != 0 && errno == EINTR);
    return result;
}

}  // namespace

std::optional<UniqueFd> lock_named_file(int folder, const std::string& name, bool wait, const std::string& what) {
    for (;;) {
        UniqueFd fd(::openat(folder, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) throw_errno(what);
        if (flock_retrying(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
            if (!wait && errno == EWOULDBLOCK) return std::nullopt;
            if (errno == ENOSYS || errno == ENOLCK)
                throw_errno(what + " (flock; on Lustre, the clients must mount with -o flock)");
            throw_errno(what);
        }
        if (still_named(folder, name, fd.get())) return fd;
        // Removed (and maybe made again) by the holder we waited for: lock the file there now.
    }
}

bool named_file_is_locked(int folder, const std::string& name) {
    UniqueFd fd(::openat(folder, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return false;
    return flock_retrying(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

}  // namespace hpc
