#include "common/byte_source.hpp"

#include "common/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hpc {
namespace {

// Says "needs N bytes at offset X" rather than an end offset, which could wrap for a hostile
// offset and print nonsense.
void check_within(uint64_t offset, std::size_t length, uint64_t size) {
    if (offset > size || length > size - offset)
        throw Error(ExitCode::data, "truncated: needs " + std::to_string(length) + " bytes at offset " +
                                        std::to_string(offset) + ", file has " + std::to_string(size));
}

}  // namespace

void FdByteSource::read_exact(uint64_t offset, void* buffer, std::size_t length) const {
    check_within(offset, length, size_);
    auto* out = static_cast<char*>(buffer);
    while (length > 0) {
        ssize_t got = ::pread(fd_, out, length, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw_errno("read at offset " + std::to_string(offset));
        if (got == 0)  // the file shrank since its size was taken
            throw Error(ExitCode::data, "truncated while reading: no bytes at offset " + std::to_string(offset) +
                                            ", the file had " + std::to_string(size_));
        out += got;
        offset += static_cast<uint64_t>(got);
        length -= static_cast<std::size_t>(got);
    }
}

void MemoryByteSource::read_exact(uint64_t offset, void* buffer, std::size_t length) const {
    check_within(offset, length, bytes_.size());
    std::memcpy(buffer, bytes_.data() + offset, length);
}

}  // namespace hpc
