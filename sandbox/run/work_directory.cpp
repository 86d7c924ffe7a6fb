#include "sandbox/run/work_directory.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace hpc::sandbox {
namespace {

// Why `name` in `parent` could not be opened as a directory (`err`), said of `path`.
[[noreturn]] void refuse(int parent, const std::string& name, const std::string& path, int err) {
    struct stat status {};
    if (::fstatat(parent, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(status.st_mode))
            throw Error(ExitCode::data, path + ": a symbolic link, which hpc does not follow below -W", err);
        if (!S_ISDIR(status.st_mode)) throw Error(ExitCode::data, path + ": not a directory", err);
    }
    throw_errno("open " + path, err);
}

}  // namespace

UniqueFd open_work_directory(int workdir, const std::string& subdirectory, uint32_t mode, const std::string& where) {
    UniqueFd current;
    std::string path = where;
    std::size_t start = 0;
    while (start < subdirectory.size()) {
        std::size_t end = std::min(subdirectory.find('/', start), subdirectory.size());
        std::string name = subdirectory.substr(start, end - start);
        start = end + 1;
        if (name.empty()) continue;
        path += "/" + name;
        int parent = current ? current.get() : workdir;
        // Made private, then given its mode through the descriptor: mkdir(2) would take the
        // umask off it. One that was there is only walked through (O_PATH: no read permission needed).
        bool made = ::mkdirat(parent, name.c_str(), 0700) == 0;
        if (!made && errno != EEXIST) throw_errno("mkdir " + path);
        int access = made ? O_RDONLY : O_PATH;
        UniqueFd next(::openat(parent, name.c_str(), access | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next) refuse(parent, name, path, errno);
        if (made && ::fchmod(next.get(), static_cast<mode_t>(mode)) != 0) throw_errno("chmod " + path);
        current = std::move(next);
    }
    if (!current) throw Error(ExitCode::software, where + ": no directory below it to open");
    return current;
}

}  // namespace hpc::sandbox
