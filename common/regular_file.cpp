#include "common/regular_file.hpp"

#include "common/error.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace hpc {
namespace {

[[noreturn]] void refuse_size(std::size_t max_bytes, const std::string& what) {
    throw Error(ExitCode::usage, what + ": larger than " + std::to_string(max_bytes) + " bytes");
}

}  // namespace

std::string read_regular_file(const std::string& path, std::size_t max_bytes, const std::string& what) {
    // O_NONBLOCK: open(2) of a FIFO waits for a writer; with it, the FIFO opens at once and is
    // refused below as not a regular file. It changes nothing for a regular file's reads.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd) throw_errno(what);
    return read_regular_file(fd.get(), max_bytes, what);
}

std::string read_regular_file(int fd, std::size_t max_bytes, const std::string& what) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) throw_errno(what);
    // A device such as /dev/zero never ends, and a directory reads as nothing (EISDIR).
    if (!S_ISREG(status.st_mode)) throw Error(ExitCode::usage, what + ": not a regular file");
    if (static_cast<std::size_t>(status.st_size) > max_bytes) refuse_size(max_bytes, what);
    // The size can change after fstat (a file being written, or one of /proc's that says 0):
    // the read is bounded by itself.
    BoundedRead content = read_to_end(fd, max_bytes);
    if (content.error) throw_errno(what, content.error);
    if (content.too_large) refuse_size(max_bytes, what);
    return std::move(content.bytes);
}

}  // namespace hpc
