#include "common/read_to_end.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace hpc {

BoundedRead read_to_end(int fd, std::size_t max_bytes) {
    constexpr std::size_t chunk = 64 * 1024;
    // One byte past the limit tells a content of exactly max_bytes from a larger one.
    const std::size_t wanted = max_bytes == std::numeric_limits<std::size_t>::max() ? max_bytes : max_bytes + 1;
    BoundedRead result;
    std::string& bytes = result.bytes;
    while (bytes.size() < wanted) {
        std::size_t had = bytes.size();
        std::size_t asked = std::min(chunk, wanted - had);
        bytes.resize(had + asked);
        ssize_t got = ::read(fd, bytes.data() + had, asked);
        int err = errno;
        bytes.resize(had + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
        if (got < 0 && err == EINTR) continue;
        if (got < 0) {
            result.error = err;
            return result;
        }
        if (got == 0) return result;
    }
    if (bytes.size() > max_bytes) {
        bytes.resize(max_bytes);
        result.too_large = true;
    }
    return result;
}

}  // namespace hpc
