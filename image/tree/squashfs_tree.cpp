#include "image/tree/squashfs_tree.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "image/squashfs/squashfs_volume.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

namespace hpc::image {
namespace {

EntryKind kind_of(const Inode& inode) {
    if (inode.is_regular()) return EntryKind::regular;
    if (inode.is_directory()) return EntryKind::directory;
    if (inode.is_symlink()) return EntryKind::symlink;
    return EntryKind::other;
}

class SquashfsTree final : public ImageTree {
public:
    SquashfsTree(UniqueFd fd, uint64_t offset) : fd_(std::move(fd)), volume_(fd_.get(), offset) {}

    std::optional<EntryInfo> stat(const std::string& path, bool follow) const override {
        return guarded(path, [&]() -> std::optional<EntryInfo> {
            std::optional<Inode> inode = find(path, follow);
            if (!inode) return std::nullopt;
            return EntryInfo{kind_of(*inode), inode->mode(), inode->size()};
        });
    }

    std::optional<std::string> read_file(const std::string& path, uint64_t max_bytes) const override {
        return guarded(path, [&]() -> std::optional<std::string> {
            std::optional<Inode> inode = find(path);
            if (!inode || !inode->is_regular()) return std::nullopt;
            if (inode->size() > max_bytes)
                throw Error(ExitCode::data, std::to_string(inode->size()) + " bytes, more than the " +
                                                std::to_string(max_bytes) + " hpc reads from one file");
            std::string content(inode->size(), '\0');
            if (volume_.read(*inode, 0, content) != content.size()) throw Error(ExitCode::data, "corrupt file (short)");
            return content;
        });
    }

    std::vector<std::string> list_directory(const std::string& path) const override {
        return guarded(path, [&]() -> std::vector<std::string> {
            std::vector<std::string> names;
            std::optional<Inode> inode = find(path);
            if (!inode || !inode->is_directory()) return names;
            volume_.list(*inode, 0, [&](const DirEntry& entry, uint64_t) {
                names.emplace_back(entry.name);
                return true;
            });
            std::sort(names.begin(), names.end());
            return names;
        });
    }

    std::optional<std::string> read_link(const std::string& path) const override {
        return guarded(path, [&]() -> std::optional<std::string> { return link_target(path); });
    }

private:
    // Runs one query under the lock (a libsquashfuse handle is single-threaded) and names the
    // path in any error: "reading /etc/passwd in the image: corrupt inode table".
    template <typename Query>
    auto guarded(const std::string& path, Query query) const -> decltype(query()) {
        std::lock_guard lock(mutex_);
        try {
            return query();
        } catch (const Error& error) {
            if (error.sys_errno() == ELOOP) throw;  // already names the path
            throw error.within("reading " + path + " in the image");
        }
    }

    std::optional<Inode> find(const std::string& path, bool follow_last = true) const {
        return volume_.find(path, follow_last);
    }

    std::optional<std::string> link_target(const std::string& path) const {
        std::optional<Inode> inode = find(path, false);
        if (!inode || !inode->is_symlink()) return std::nullopt;
        return volume_.read_link(*inode);
    }

    UniqueFd fd_;
    mutable std::mutex mutex_;
    mutable SquashfsVolume volume_;
};

}  // namespace

std::unique_ptr<ImageTree> open_squashfs_tree(int fd, uint64_t offset) {
    UniqueFd own(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!own) throw_errno("duplicating the image descriptor");
    return std::make_unique<SquashfsTree>(std::move(own), offset);
}

}  // namespace hpc::image
