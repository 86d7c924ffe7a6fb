#include "image/write/tree_scanner.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_map>
#include <utility>

namespace hpc::image {
namespace {

// Unreadable input is the user's to fix, whatever errno says (EACCES included): no_input.
[[noreturn]] void throw_unreadable(const std::string& path, const char* step, int err) {
    throw Error(ExitCode::no_input, path + ": " + step + ": " + std::strerror(err), err);
}

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

// The names in a directory, sorted bytewise (squashfs looks names up in that order).
std::vector<std::string> read_names(DIR* dir, const std::string& path) {
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir);
        if (entry == nullptr) {
            if (errno != 0) throw_unreadable(path, "cannot list directory", errno);
            break;
        }
        std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Extended attributes squashfs can store (the user, trusted and security namespaces), sorted
// by name. What cannot be read is skipped: trusted.* is hidden from non-root users anyway, and
// a file system without xattrs answers ENOTSUP.
class XattrReader {
public:
    const std::vector<std::pair<std::string, std::string>>& read(const std::string& path) {
        attributes_.clear();
        if (!list(path)) return attributes_;
        for (std::size_t at = 0; at < names_.size();) {
            std::string name(names_.c_str() + at);
            at += name.size() + 1;
            if (!storable(name)) continue;
            std::string value;
            if (get(path, name, value)) attributes_.emplace_back(std::move(name), std::move(value));
        }
        std::sort(attributes_.begin(), attributes_.end());
        return attributes_;
    }

private:
    static bool storable(std::string_view name) {
        return name.starts_with("user.") || name.starts_with("trusted.") || name.starts_with("security.");
    }

    bool list(const std::string& path) {
        names_.resize(std::max<std::size_t>(names_.capacity(), 1024));
        for (;;) {
            ssize_t got = ::llistxattr(path.c_str(), names_.data(), names_.size());
            if (got >= 0) {
                names_.resize(static_cast<std::size_t>(got));
                return got > 0;
            }
            if (errno != ERANGE) return false;
            ssize_t needed = ::llistxattr(path.c_str(), nullptr, 0);
            if (needed < 0) return false;
            names_.resize(static_cast<std::size_t>(needed) + 1);
        }
    }

    static bool get(const std::string& path, const std::string& name, std::string& value) {
        value.resize(256);
        for (;;) {
            ssize_t got = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
            if (got >= 0) {
                value.resize(static_cast<std::size_t>(got));
                return true;
            }
            if (errno != ERANGE) return false;
            ssize_t needed = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
            if (needed < 0) return false;
            value.resize(static_cast<std::size_t>(needed) + 1);
        }
    }

    std::string names_;
    std::vector<std::pair<std::string, std::string>> attributes_;
};

struct InodeKey {
    dev_t device;
    ino_t inode;
    bool operator==(const InodeKey&) const = default;
};

struct InodeKeyHash {
    std::size_t operator()(const InodeKey& key) const {
        return std::hash<uint64_t>()(static_cast<uint64_t>(key.inode) * 0x9E3779B97F4A7C15ULL ^
                                     static_cast<uint64_t>(key.device));
    }
};

class Scanner {
public:
    Scanner(const std::string& root, const ScanOptions& options) : options_(options) {
        tree_.root = root;
        while (tree_.root.size() > 1 && tree_.root.back() == '/') tree_.root.pop_back();  // "tree/" names "tree/a"
    }

    SourceTree run() {
        const std::string& root = tree_.root;
        UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd) throw_unreadable(root, "cannot open directory", errno);
        struct stat info {};
        if (::fstat(fd.get(), &info) != 0) throw_unreadable(root, "cannot stat", errno);
        tree_.nodes.emplace_back();
        fill(0, info);
        record_xattrs(0, root);
        scan_directory(0, std::move(fd), root);
        return std::move(tree_);
    }

private:
    void fill(uint32_t index, const struct stat& info) {
        SourceNode& node = tree_.nodes[index];
        node.primary = index;
        node.mode = info.st_mode;
        node.uid = options_.all_root ? 0 : info.st_uid;
        node.gid = options_.all_root ? 0 : info.st_gid;
        node.mtime = info.st_mtim.tv_sec;
        if (S_ISREG(info.st_mode)) {
            node.size = static_cast<uint64_t>(info.st_size);
            node.file_index = tree_.regular_files++;
            tree_.regular_bytes += node.size;
        } else if (S_ISBLK(info.st_mode) || S_ISCHR(info.st_mode)) {
            node.device = squashfs_device_number(info.st_rdev);
        }
    }

    void record_xattrs(uint32_t index, const std::string& path) {
        if (!options_.record_xattrs) return;
        const auto& found = xattr_reader_.read(path);
        if (found.empty()) return;
        std::vector<Xattr> view;
        view.reserve(found.size());
        for (const auto& [name, value] : found) view.push_back({name, value});
        tree_.nodes[index].xattrs = options_.record_xattrs(view);
    }

    uint64_t append_text(std::string_view text) {
        uint64_t offset = tree_.text.size();
        tree_.text.append(text);
        return offset;
    }

    void scan_directory(uint32_t index, UniqueFd fd, const std::string& path) {
        int dir_fd = fd.get();
        DirHandle dir(::fdopendir(dir_fd));
        if (!dir) throw_unreadable(path, "cannot list directory", errno);
        fd.release();
        std::vector<std::string> names = read_names(dir.get(), path);
        if (tree_.nodes.size() + names.size() >= std::numeric_limits<uint32_t>::max())
            throw Error(ExitCode::data, path + ": too many entries for a squashfs (4 billion inodes at most)");

        uint32_t first = static_cast<uint32_t>(tree_.nodes.size());
        tree_.nodes[index].first_child = first;
        tree_.nodes[index].child_count = static_cast<uint32_t>(names.size());
        for (const std::string& name : names) {
            uint32_t child = static_cast<uint32_t>(tree_.nodes.size());
            std::string child_path = path + "/" + name;
            struct stat info {};
            if (::fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
                throw_unreadable(child_path, "cannot stat", errno);
            tree_.nodes.emplace_back();
            tree_.nodes[child].parent = index;
            tree_.nodes[child].name_offset = append_text(name);
            tree_.nodes[child].name_length = static_cast<uint32_t>(name.size());
            if (S_ISDIR(info.st_mode)) tree_.nodes[index].subdirectories++;

            // Another name of an inode seen before: one inode, one more link, nothing else to read.
            if (!S_ISDIR(info.st_mode) && info.st_nlink > 1) {
                auto [seen, inserted] = hard_links_.try_emplace(InodeKey{info.st_dev, info.st_ino}, child);
                if (!inserted) {
                    tree_.nodes[child].primary = seen->second;
                    tree_.nodes[child].mode = tree_.nodes[seen->second].mode;
                    tree_.nodes[seen->second].links++;
                    continue;
                }
            }
            fill(child, info);
            if (S_ISLNK(info.st_mode)) read_link(dir_fd, name, child_path, child);
            record_xattrs(child, child_path);
        }
        dir.reset();

        for (uint32_t child = first; child < first + names.size(); ++child) {
            if (!S_ISDIR(tree_.nodes[child].mode)) continue;
            std::string child_path = path + "/" + std::string(tree_.name(tree_.nodes[child]));
            UniqueFd child_fd(::open(child_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!child_fd) throw_unreadable(child_path, "cannot open directory", errno);
            scan_directory(child, std::move(child_fd), child_path);
        }
    }

    void read_link(int dir_fd, const std::string& name, const std::string& path, uint32_t index) {
        std::string target(std::max<std::size_t>(tree_.nodes[index].size, 64), '\0');
        for (;;) {
            ssize_t got = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
            if (got < 0) throw_unreadable(path, "cannot read symbolic link", errno);
            if (static_cast<std::size_t>(got) < target.size()) {
                target.resize(static_cast<std::size_t>(got));
                break;
            }
            target.resize(target.size() * 2);
        }
        tree_.nodes[index].target_offset = append_text(target);
        tree_.nodes[index].size = target.size();
    }

    const ScanOptions& options_;
    SourceTree tree_;
    XattrReader xattr_reader_;
    std::unordered_map<InodeKey, uint32_t, InodeKeyHash> hard_links_;
};

}  // namespace

std::string SourceTree::path(uint32_t index) const {
    std::vector<uint32_t> chain;
    for (uint32_t at = index; at != 0; at = nodes[at].parent) chain.push_back(at);
    std::string result = root;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        result += '/';
        result += name(nodes[*it]);
    }
    return result;
}

uint32_t squashfs_device_number(uint64_t rdev) {
    uint64_t major_number = major(rdev), minor_number = minor(rdev);
    return static_cast<uint32_t>((minor_number & 0xff) | ((major_number & 0xfff) << 8) |
                                 ((minor_number & ~0xffULL) << 12));
}

SourceTree scan_tree(const std::string& root, const ScanOptions& options) {
    return Scanner(root, options).run();
}

}  // namespace hpc::image
