#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "mpi/file_view.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace hpc::mpi {
namespace {

// Libraries are a few MiB; anything far larger is not one, and is not mapped.
constexpr off_t max_mapped_size = off_t{1} << 30;

class Mapping {
public:
    Mapping(void* address, size_t size) : address_(address), size_(size) {}
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() {
        if (size_ > 0) ::munmap(address_, size_);
    }
    std::string_view bytes() const { return {static_cast<const char*>(address_), size_}; }

private:
    void* address_;
    size_t size_;
};

std::optional<FileBytes> map_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        // As the dynamic loader does, a file it cannot open is passed over, not an error.
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EACCES) return std::nullopt;
        throw_errno("open " + path);
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) throw_errno("stat " + path);
    if (!S_ISREG(status.st_mode) || status.st_size > max_mapped_size) return std::nullopt;
    if (status.st_size == 0) return FileBytes{{}, nullptr};
    size_t size = static_cast<size_t>(status.st_size);
    // Private and writable: libelf's buffer is not const, and a page it should ever write
    // would be copied, never written back.
    void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get(), 0);
    if (address == MAP_FAILED) throw_errno("map " + path);
    auto mapping = std::make_shared<const Mapping>(address, size);
    return FileBytes{mapping->bytes(), mapping};
}

std::vector<std::string> list_directory(const std::string& path) {
    std::vector<std::string> names;
    std::unique_ptr<DIR, int (*)(DIR*)> directory(::opendir(path.c_str()), ::closedir);
    if (!directory) return names;
    while (const dirent* entry = ::readdir(directory.get())) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    return names;
}

std::optional<std::string> canonical_path(const std::string& path) {
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) return std::nullopt;
    return std::string(resolved);
}

bool is_directory(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

}  // namespace

FileView host_file_view() { return {map_file, list_directory, canonical_path, is_directory}; }

}  // namespace hpc::mpi
