#include "image/serve/image_change.hpp"

#include "common/error.hpp"

#include <sys/stat.h>

namespace hpc::image {

ImageChange::ImageChange(int fd) : fd_(fd) {
    struct stat now {};
    if (::fstat(fd, &now) != 0) throw_errno("stat the image to serve");
    size_ = now.st_size;
    modified_ = now.st_mtim;
}

bool ImageChange::seen() noexcept {
    if (was_seen()) return true;
    struct stat now {};
    bool changed = ::fstat(fd_, &now) != 0 || now.st_size != size_ || now.st_mtim.tv_sec != modified_.tv_sec ||
                   now.st_mtim.tv_nsec != modified_.tv_nsec;
    if (changed) changed_.store(true, std::memory_order_release);
    return changed;
}

}  // namespace hpc::image
