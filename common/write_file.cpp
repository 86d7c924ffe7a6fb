#include "common/write_file.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace hpc {
namespace {

int open_flags(IfExists if_exists) {
    switch (if_exists) {
    case IfExists::replace: return O_TRUNC;
    case IfExists::append: return O_APPEND;
    case IfExists::refuse: return O_EXCL;
    }
    return O_EXCL;
}

}  // namespace

void write_all(int fd, std::string_view content, const std::string& name) {
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t written = ::write(fd, content.data() + done, content.size() - done);
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) throw_errno("write " + name);
        done += static_cast<std::size_t>(written);
    }
}

void write_file(const std::string& path, std::string_view content, mode_t mode, IfExists if_exists) {
    // O_NOFOLLOW: a link put where a file is written would send the content (and O_TRUNC)
    // wherever it points.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | open_flags(if_exists), mode));
    if (!fd) throw_errno("write " + path);
    write_all(fd.get(), content, path);
}

}  // namespace hpc
