#include "image/tar/byte_reader.hpp"

#include "common/error.hpp"

#include <unistd.h>

#include <cerrno>

namespace hpc::image::tar {

std::size_t FileReader::read_some(void* buffer, std::size_t size) {
    for (;;) {
        ssize_t got = ::read(fd_.get(), buffer, size);
        if (got >= 0) return static_cast<std::size_t>(got);
        if (errno != EINTR) throw_errno("read");
    }
}

}  // namespace hpc::image::tar
