#include "common/exact_path.hpp"

#include "common/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>

namespace hpc {
namespace {

// "/a/b/" and "/a/b" name one directory; the kernel writes neither a trailing slash nor "//".
std::string without_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

}  // namespace

std::string descriptor_link(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

std::string descriptor_path(int fd, const std::string& what) {
    char target[PATH_MAX];
    ssize_t length = ::readlink(descriptor_link(fd).c_str(), target, sizeof target);
    if (length < 0) throw_errno(what + ": reading the path of its descriptor");
    if (static_cast<size_t>(length) >= sizeof target)
        throw Error(ExitCode::os, what + ": the path of its descriptor is longer than PATH_MAX");
    std::string path(target, static_cast<size_t>(length));
    // A removed file or directory keeps its descriptor; the kernel marks its old path.
    if (path.empty() || path.front() != '/' || path.ends_with(" (deleted)"))
        throw Error(ExitCode::no_input, what + ": removed while hpc opened it");
    return path;
}

UniqueFd open_exact(const std::string& path, int flags, const std::string& what) {
    UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC | flags));
    if (!fd) throw_errno(what + ": open " + path);
    std::string reached = descriptor_path(fd.get(), what);
    if (reached != without_trailing_slashes(path))
        throw Error(ExitCode::denied, what + ": " + path + " changed while hpc used it: it now leads to " + reached);
    return fd;
}

}  // namespace hpc
