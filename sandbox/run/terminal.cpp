#include "sandbox/run/terminal.hpp"

#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hpc::sandbox {
namespace {

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

}  // namespace

void reopen_terminal_at(const std::string& path) {
    struct stat terminal {};
    if (::stat(path.c_str(), &terminal) != 0 || !S_ISCHR(terminal.st_mode)) return;
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
        struct stat status {};
        if (::fstat(fd, &status) != 0 || !same_file(status, terminal) || ::isatty(fd) != 1) continue;
        int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0) continue;
        // O_NOCTTY: the session's controlling terminal stays what it was. O_NONBLOCK: an open
        // of a terminal may wait (a serial line's carrier); the descriptor's own flags follow.
        UniqueFd reopened(::open(path.c_str(), (flags & O_ACCMODE) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
        struct stat opened {};
        if (!reopened || ::fstat(reopened.get(), &opened) != 0 || !same_file(opened, terminal)) continue;
        if (::fcntl(reopened.get(), F_SETFL, flags) != 0) continue;
        ::dup2(reopened.get(), fd);  // the copy is without FD_CLOEXEC, as the payload needs it
    }
}

}  // namespace hpc::sandbox
