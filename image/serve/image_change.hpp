// Whether the image file a server serves was changed in place since the server opened it: the
// fault users cause most, `cp new.sif app.sif` over a file that running jobs serve, which
// truncates it and writes it again under them. Bytes read from it after that are another
// image's: the server answers no request from them (EIO), and the launcher says once, after
// the payload, that the image changed (serve_failures.hpp).
//
// In place means its size or modification time changed: both do when the file is truncated or
// written. Replacing the file by a rename (what `hpc build` does), or removing it, changes
// neither for the file the server holds open, whose old bytes it goes on serving.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <atomic>

namespace hpc::image {

class ImageChange {
public:
    // The file open at `fd` as it is now (fstat), kept to compare with; `fd` must outlive this.
    explicit ImageChange(int fd);
    ImageChange(const ImageChange&) = delete;
    ImageChange& operator=(const ImageChange&) = delete;

    // Whether the file's size or modification time differ from then (one fstat), or did at any
    // earlier call: once changed, the server's image stays changed. A file that cannot be
    // stat'ed any more counts as changed.
    bool seen() noexcept;
    // Whether an earlier call saw the change (no system call).
    bool was_seen() const noexcept { return changed_.load(std::memory_order_acquire); }

private:
    int fd_;
    off_t size_;
    timespec modified_;
    std::atomic<bool> changed_{false};
};

}  // namespace hpc::image
