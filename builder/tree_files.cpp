#include "builder/tree_files.hpp"

#include "common/error.hpp"
#include "common/path_in_root.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "common/write_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>

namespace hpc::builder {
namespace {

std::optional<std::string> read_link(const std::string& path) {
    char target[PATH_MAX];
    ssize_t length = ::readlink(path.c_str(), target, sizeof target);
    if (length < 0) return std::nullopt;
    return std::string(target, static_cast<std::size_t>(length));
}

}  // namespace

bool exists(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}

void make_directories(const std::string& path) {
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error) throw Error(ExitCode::cant_create, "create " + path + ": " + error.message());
}

void make_link_if_missing(const std::string& path, const std::string& target) {
    if (exists(path)) return;
    if (::symlink(target.c_str(), path.c_str()) != 0) throw_errno("symlink " + path);
}

void write_if_missing(const std::string& path, const std::string& content, unsigned mode) {
    if (exists(path)) return;
    hpc::write_file(path, content, mode, IfExists::refuse);
}

void write_file(const std::string& path, const std::string& content, unsigned mode) {
    hpc::write_file(path, content, mode);
    // The mode exactly, whatever the umask and a file already there had.
    if (::chmod(path.c_str(), mode) != 0) throw_errno("chmod " + path);
}

void append_file(const std::string& path, const std::string& content) {
    hpc::write_file(path, content, 0644, IfExists::append);
}

std::optional<std::string> read_file_if_exists(const std::string& path, std::size_t max_bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("read " + path);
    }
    BoundedRead content = read_to_end(fd.get(), max_bytes);
    if (content.error) throw_errno("read " + path, content.error);
    if (content.too_large)
        throw Error(ExitCode::data, "read " + path + ": larger than " + std::to_string(max_bytes) + " bytes");
    return std::move(content.bytes);
}

std::string resolve_inside(const std::string& root, const std::string& path) {
    return root + resolve_in_root(path, [&root](const std::string& at) { return read_link(root + at); });
}

}  // namespace hpc::builder
