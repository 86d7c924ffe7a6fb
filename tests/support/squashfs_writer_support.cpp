#include "squashfs_writer_support.hpp"

#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace hpc::test {
namespace {

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

void set_mtime(const std::string& path, int64_t seconds) {
    struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    check(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0, "utimensat " + path);
}

void make_directory(const std::string& path, unsigned mode) {
    check(::mkdir(path.c_str(), 0700) == 0, "mkdir " + path);
    check(::chmod(path.c_str(), mode) == 0, "chmod " + path);  // the umask has no say
}

void make_symlink(const std::string& target, const std::string& path) {
    check(::symlink(target.c_str(), path.c_str()) == 0, "symlink " + path);
}

std::string quoted(const std::string& text) {
    std::string result = "'";
    for (char c : text) result += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return result + "'";
}

std::string shell_output(const std::string& command, int* status) {
    FILE* pipe = ::popen(command.c_str(), "r");
    check(pipe != nullptr, "popen " + command);
    std::string output;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
    int result = ::pclose(pipe);
    if (status != nullptr) *status = WIFEXITED(result) ? WEXITSTATUS(result) : -1;
    return output;
}

image::SquashfsWriteResult write_image(const std::string& source, const std::string& image,
                                       const image::SquashfsWriteOptions& options, uint64_t offset,
                                       char prefix_byte) {
    UniqueFd fd(::open(image.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    check(static_cast<bool>(fd), "create " + image);
    std::string prefix(offset, prefix_byte);
    check(::pwrite(fd.get(), prefix.data(), prefix.size(), 0) == static_cast<ssize_t>(prefix.size()), "write " + image);
    return image::write_squashfs(source, fd.get(), offset, options);
}

bool user_xattrs_supported(const std::string& directory) {
    std::string probe = directory + "/.xattr-probe";
    write_host_file(probe, "");
    bool supported = ::setxattr(probe.c_str(), "user.probe", "1", 1, 0) == 0;
    ::unlink(probe.c_str());
    return supported;
}

}  // namespace hpc::test
