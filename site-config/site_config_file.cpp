#include "site-config/site_config_file.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef HPC_SITE_CONFIG_PATH
#error "HPC_SITE_CONFIG_PATH must be defined by the build (CMake's HPC_SITE_CONFIG)"
#endif

namespace hpc::site {
namespace {

// A site config is a page or two; anything near this is not one, and is not read into memory.
constexpr size_t max_config_size = 1 << 20;

std::string read_bounded(int fd, const std::string& path) {
    BoundedRead text = read_to_end(fd, max_config_size);
    if (text.error)
        throw Error(ExitCode::config, path + ": cannot read: " + std::strerror(text.error), text.error);
    if (text.too_large)
        throw Error(ExitCode::config, path + ": larger than " + std::to_string(max_config_size) +
                                          " bytes: not a site config");
    return std::move(text.bytes);
}

// The opened file, or an empty fd when there is none.
UniqueFd open_config(const std::string& path) {
    // O_NONBLOCK: a FIFO put in the file's place must not hang every launch in open(2); it is
    // refused as not a regular file.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd) return fd;
    int err = errno;
    if (err == ENOENT) return fd;
    // Every launch reads it as the user who runs hpc.
    std::string hint = err == EACCES ? " (it must be readable by every user)" : "";
    throw Error(ExitCode::config, path + ": cannot open: " + std::strerror(err) + hint, err);
}

struct stat status_of(int fd, const std::string& path) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) throw Error(ExitCode::config, path + ": cannot stat: " + std::strerror(errno), errno);
    return info;
}

// Checked and read through the same descriptor, so that the file judged is the file read.
SiteConfig read_opened(int fd, const std::string& path, std::optional<uid_t> also_trusted_owner) {
    struct stat info = status_of(fd, path);
    check_trusted(path, ConfigFileStatus{S_ISREG(info.st_mode), info.st_uid, info.st_mode}, also_trusted_owner);
    return parse_site_config(read_bounded(fd, path), path);
}

}  // namespace

const std::string& site_config_path() {
    static const std::string path = HPC_SITE_CONFIG_PATH;
    return path;
}

void check_trusted(const std::string& path, const ConfigFileStatus& status, std::optional<uid_t> also_trusted_owner) {
    if (!status.regular_file) throw Error(ExitCode::config, path + ": not a regular file");
    bool owner_trusted = status.owner == 0 || (also_trusted_owner && status.owner == *also_trusted_owner);
    // Whoever can write the file sets the policy for every user of the machine.
    bool others_can_write = (status.mode & (S_IWGRP | S_IWOTH)) != 0;
    if (owner_trusted && !others_can_write) return;
    std::string owners = "root";
    if (also_trusted_owner && *also_trusted_owner != 0) owners += " or uid " + std::to_string(*also_trusted_owner);
    throw Error(ExitCode::config, path + ": must be owned by " + owners +
                                      " and not writable by group or others (owner uid " +
                                      std::to_string(status.owner) + ", mode " + octal_mode(static_cast<unsigned>(status.mode)) + ")");
}

std::optional<SiteConfig> read_site_config_file(const std::string& path, std::optional<uid_t> also_trusted_owner) {
    UniqueFd fd = open_config(path);
    if (!fd) return std::nullopt;
    return read_opened(fd.get(), path, also_trusted_owner);
}

SiteConfig load_site_config(const std::string& path, std::optional<uid_t> also_trusted_owner) {
    return read_site_config_file(path, also_trusted_owner).value_or(SiteConfig{});
}

SiteConfig load_draft_site_config(const std::string& path) {
    UniqueFd fd = open_config(path);
    if (!fd) throw Error(ExitCode::no_input, path + ": no such file", ENOENT);
    struct stat draft = status_of(fd.get(), path);
    // The file launches read gets no leniency, under whichever name it is checked.
    struct stat installed {};
    bool is_installed = ::stat(site_config_path().c_str(), &installed) == 0 && installed.st_dev == draft.st_dev &&
                        installed.st_ino == draft.st_ino;
    std::optional<uid_t> also_trusted_owner;
    if (!is_installed) also_trusted_owner = ::getuid();
    return read_opened(fd.get(), path, also_trusted_owner);
}

}  // namespace hpc::site
