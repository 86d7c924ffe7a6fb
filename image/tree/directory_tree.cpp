#include "image/tree/directory_tree.hpp"

#include "common/error.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "image/squashfs/tree_paths.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace hpc::image {
namespace {

EntryKind kind_of(mode_t mode) {
    if (S_ISREG(mode)) return EntryKind::regular;
    if (S_ISDIR(mode)) return EntryKind::directory;
    if (S_ISLNK(mode)) return EntryKind::symlink;
    return EntryKind::other;
}

// "/" -> ".", "/a/b" -> "a/b": relative to the image's directory fd.
std::string relative(const std::string& resolved) { return resolved == "/" ? "." : resolved.substr(1); }

bool is_missing(int err) { return err == ENOENT || err == ENOTDIR; }

class DirectoryTree final : public ImageTree {
public:
    explicit DirectoryTree(UniqueFd root) : root_(std::move(root)) {}

    std::optional<EntryInfo> stat(const std::string& path, bool follow) const override {
        return guarded(path, [&]() -> std::optional<EntryInfo> {
            std::optional<struct stat> st = lstat_at(follow ? resolve(path) : resolve_keeping_last(path));
            if (!st) return std::nullopt;
            return EntryInfo{kind_of(st->st_mode), st->st_mode, static_cast<uint64_t>(st->st_size)};
        });
    }

    std::optional<std::string> read_file(const std::string& path, uint64_t max_bytes) const override {
        return guarded(path, [&]() -> std::optional<std::string> {
            std::string resolved = resolve(path);
            std::optional<struct stat> st = lstat_at(resolved);
            if (!st || !S_ISREG(st->st_mode)) return std::nullopt;
            // O_NOFOLLOW: the resolved path ends in no symlink, unless one was swapped in since.
            UniqueFd fd(::openat(root_.get(), relative(resolved).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
            if (!fd) throw_errno("open");
            struct stat opened {};
            if (::fstat(fd.get(), &opened) != 0) throw_errno("stat");
            if (!S_ISREG(opened.st_mode)) return std::nullopt;
            if (static_cast<uint64_t>(opened.st_size) > max_bytes)
                throw Error(ExitCode::data, std::to_string(opened.st_size) + " bytes, more than the " +
                                                std::to_string(max_bytes) + " hpc reads from one file");
            BoundedRead content = read_to_end(fd.get(), static_cast<std::size_t>(max_bytes));
            if (content.error) throw_errno("read", content.error);
            if (content.too_large)
                throw Error(ExitCode::data, "grew past the " + std::to_string(max_bytes) + " bytes hpc reads from one file");
            return std::move(content.bytes);
        });
    }

    std::vector<std::string> list_directory(const std::string& path) const override {
        return guarded(path, [&]() -> std::vector<std::string> {
            std::vector<std::string> names;
            int fd = ::openat(root_.get(), relative(resolve(path)).c_str(),
                              O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (fd < 0) {
                if (is_missing(errno) || errno == ELOOP) return names;  // missing, or not a directory
                throw_errno("open directory");
            }
            DIR* dir = ::fdopendir(fd);
            if (!dir) {
                int err = errno;
                ::close(fd);
                throw_errno("open directory", err);
            }
            std::unique_ptr<DIR, int (*)(DIR*)> owned(dir, ::closedir);
            errno = 0;
            while (struct dirent* entry = ::readdir(dir)) {
                std::string_view name(entry->d_name);
                if (name != "." && name != "..") names.emplace_back(name);
                errno = 0;
            }
            if (errno != 0) throw_errno("read directory");
            std::sort(names.begin(), names.end());
            return names;
        });
    }

    std::optional<std::string> read_link(const std::string& path) const override {
        return guarded(path, [&] { return link_target(resolve_keeping_last(path)); });
    }

private:
    template <typename Query>
    auto guarded(const std::string& path, Query query) const -> decltype(query()) {
        try {
            return query();
        } catch (const Error& error) {
            if (error.sys_errno() == ELOOP) throw;  // already names the path
            throw error.within("reading " + path + " in the image");
        }
    }

    std::optional<struct stat> lstat_at(const std::string& resolved) const {
        struct stat st {};
        if (::fstatat(root_.get(), relative(resolved).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return st;
        if (is_missing(errno)) return std::nullopt;
        throw_errno("stat");
    }

    std::optional<std::string> link_target(const std::string& resolved) const {
        if (resolved == "/") return std::nullopt;
        char target[PATH_MAX];
        ssize_t size = ::readlinkat(root_.get(), relative(resolved).c_str(), target, sizeof target);
        if (size < 0) return std::nullopt;  // not a symlink, missing, or unreadable: walk on as the kernel would fail
        return std::string(target, static_cast<std::size_t>(size));
    }

    std::string resolve(const std::string& path) const {
        return resolve_in_root(path, [this](const std::string& at) { return link_target(at); });
    }

    std::string resolve_keeping_last(const std::string& path) const {
        return resolve_in_root_keeping_last(path, [this](const std::string& at) { return link_target(at); });
    }

    UniqueFd root_;
};

}  // namespace

std::unique_ptr<ImageTree> open_directory_tree(int directory_fd) {
    UniqueFd own(::fcntl(directory_fd, F_DUPFD_CLOEXEC, 0));
    if (!own) throw_errno("duplicating the image directory descriptor");
    return std::make_unique<DirectoryTree>(std::move(own));
}

}  // namespace hpc::image
