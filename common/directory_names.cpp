#include "common/directory_names.hpp"

#include "common/error.hpp"

#include <dirent.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace hpc {

std::vector<std::string> directory_names(int directory, std::size_t limit) {
    // "." opened again is the same directory, not a name looked up anew; fdopendir(3) takes the
    // new descriptor, whose reading position is its own.
    int reading = ::openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (reading < 0) throw_errno("open directory");
    std::unique_ptr<DIR, int (*)(DIR*)> stream(::fdopendir(reading), ::closedir);
    if (!stream) {
        int err = errno;
        ::close(reading);
        throw_errno("read directory", err);
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(stream.get())) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
        names.emplace_back(entry->d_name);
        if (names.size() > limit) return names;
    }
    if (errno != 0) throw_errno("read directory");
    return names;
}

}  // namespace hpc
