// Whether the image file a server serves was changed in place since the server opened it: the
// fault users cause most, `cp new.sif app.sif` over a file that running jobs serve, which
// truncates it and writes it again under them. Bytes read from it after that are another
// image's: the server answers no request from them (EIO), and the launcher says once, after
// the payload, that the image changed (serve_failures.hpp).
//
// In place means its size or modification time changed: both do when the file is truncated or
// written. Replacing the file by a rename (what `hpc build` does), or removing it, changes
// neither for the file the server holds open, whose old bytes it goes on serving. A SIF whose
// own overlay partition is written while it is served (--writable) changes its modification
// time by design: for it, the size and the squashfs's superblock are compared instead.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>

namespace hpc::image {

class ImageChange {
public:
    // The file open at `fd` as it is now, kept to compare with; `fd` must outlive this.
    // `written_at`: where the squashfs's superblock lies in a file written in place by design
    // (its modification time then says nothing); nullopt for any other.
    explicit ImageChange(int fd, std::optional<uint64_t> written_at = std::nullopt);
    ImageChange(const ImageChange&) = delete;
    ImageChange& operator=(const ImageChange&) = delete;

    // Whether the file differs from then (one fstat, and one read of the superblock for a file
    // written in place), or did at any earlier call: once changed, the server's image stays
    // changed. A file that cannot be stat'ed or read any more counts as changed.
    bool seen() noexcept;
    // Whether an earlier call saw the change (no system call).
    bool was_seen() const noexcept { return changed_.load(std::memory_order_acquire); }

private:
    static constexpr std::size_t superblock_bytes = 96;
    using Superblock = std::array<unsigned char, superblock_bytes>;
    bool read_superblock(Superblock& into) const noexcept;

    int fd_;
    off_t size_;
    timespec modified_;
    std::optional<uint64_t> written_at_;
    Superblock superblock_{};
    std::atomic<bool> changed_{false};
};

}  // namespace hpc::image
