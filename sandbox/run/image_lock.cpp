#include "sandbox/run/image_lock.hpp"

#include "common/error.hpp"
#include "common/exact_path.hpp"

#include <fcntl.h>

#include <cerrno>

namespace hpc::sandbox {

UniqueFd lock_image_extent(int file, uint64_t offset, uint64_t size, bool write, const std::string& what) {
    // A lock needs a file opened for its kind of access: the descriptor's file, opened anew.
    UniqueFd opened(::open(descriptor_link(file).c_str(), (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY));
    if (!opened) throw_errno("open " + what + (write ? " for writing" : " for reading"));
    struct flock range {};
    range.l_type = write ? F_WRLCK : F_RDLCK;
    range.l_whence = SEEK_SET;
    range.l_start = static_cast<off_t>(offset);
    range.l_len = static_cast<off_t>(size);
    if (::fcntl(opened.get(), F_OFD_SETLK, &range) == 0 || errno == ENOLCK) return opened;
    if (errno != EAGAIN && errno != EACCES) throw_errno("lock " + what);
    throw Error(ExitCode::in_use, what + ": in use " + std::string(write ? "" : "for writing ") +
                                      "by another process (one run may write an overlay image, or many read it)");
}

}  // namespace hpc::sandbox
