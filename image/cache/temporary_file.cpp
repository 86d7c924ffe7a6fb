#include "image/cache/temporary_file.hpp"

#include "common/directory_names.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "image/cache/cache_bounds.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace hpc::image::cache {
namespace {

std::string random_suffix() {
    std::array<unsigned char, 8> bytes{};
    if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
        throw_errno("cache: draw a random name for a temporary file (getrandom)");
    return lower_hex(bytes.data(), bytes.size());
}

}  // namespace

std::string_view final_name_of_temporary(std::string_view name) {
    std::size_t marker = name.rfind(temporary_marker);
    if (marker == std::string_view::npos || marker == 0 || marker + temporary_marker.size() == name.size()) return {};
    return name.substr(0, marker);
}

TemporaryFile::TemporaryFile(int folder, const std::string& folder_path, const std::string& final_name)
    : folder_(folder), final_name_(final_name), final_path_(folder_path + "/" + final_name) {
    // 64 random bits: a name taken already is next to impossible, and would only be tried again.
    for (int attempt = 0; attempt < 8 && !fd_; ++attempt) {
        name_ = final_name + std::string(temporary_marker) + random_suffix();
        path_ = folder_path + "/" + name_;
        fd_ = UniqueFd(::openat(folder_, name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd_ && errno != EEXIST) throw_errno("cache: make " + path_);
    }
    if (!fd_) throw_errno("cache: make " + path_);
}

TemporaryFile::~TemporaryFile() {
    if (!committed_ && fd_) ::unlinkat(folder_, name_.c_str(), 0);
}

void TemporaryFile::commit() {
    // Synced before the rename: after a crash the name leads to the whole file or to none.
    if (::fsync(fd_.get()) != 0) throw_errno("cache: write " + path_ + " (fsync)");
    if (::renameat(folder_, name_.c_str(), folder_, final_name_.c_str()) != 0)
        throw_errno("cache: rename " + path_ + " to " + final_path_);
    committed_ = true;
}

void remove_temporaries_of(int folder, const std::string& folder_path, std::string_view final_name) {
    std::vector<std::string> names;
    try {
        names = directory_names(folder, max_folder_entries);
    } catch (const Error& error) {
        throw error.within("cache " + folder_path);
    }
    for (const std::string& name : names)
        if (final_name_of_temporary(name) == final_name && ::unlinkat(folder, name.c_str(), 0) != 0 && errno != ENOENT)
            throw_errno("cache: remove the stale " + folder_path + "/" + name);
}

}  // namespace hpc::image::cache
