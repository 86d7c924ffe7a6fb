#include "image/serve/image_change.hpp"

#include "common/error.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace hpc::image {

ImageChange::ImageChange(int fd, std::optional<uint64_t> written_at) : fd_(fd), written_at_(written_at) {
    struct stat now {};
    if (::fstat(fd, &now) != 0) throw_errno("stat the image to serve");
    size_ = now.st_size;
    modified_ = now.st_mtim;
    if (written_at_ && !read_superblock(superblock_)) throw_errno("read the image's squashfs superblock");
}

bool ImageChange::read_superblock(Superblock& into) const noexcept {
    return ::pread(fd_, into.data(), into.size(), static_cast<off_t>(*written_at_)) == static_cast<ssize_t>(into.size());
}

bool ImageChange::seen() noexcept {
    if (was_seen()) return true;
    struct stat now {};
    bool changed = ::fstat(fd_, &now) != 0 || now.st_size != size_;
    if (!changed && !written_at_)
        changed = now.st_mtim.tv_sec != modified_.tv_sec || now.st_mtim.tv_nsec != modified_.tv_nsec;
    if (!changed && written_at_) {
        Superblock current{};
        changed = !read_superblock(current) || current != superblock_;
    }
    if (changed) changed_.store(true, std::memory_order_release);
    return changed;
}

}  // namespace hpc::image
