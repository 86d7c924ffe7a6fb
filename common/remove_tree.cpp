#include "common/remove_tree.hpp"

#include "common/directory_names.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hpc {
namespace {

// How often one name is tried again after it changed between two calls (a directory swapped for
// a link and back), which only the top name can once its directory is taken (see take): a user
// racing the removal can keep that name, never redirect it.
constexpr int attempts_per_name = 32;
// How often one directory is read again after emptying it, for names added meanwhile.
constexpr int readings_per_directory = 8;

class TreeRemover {
public:
    TreeRemover(uid_t owner, dev_t device, const TreeLimits& limits) : owner_(owner), device_(device), limits_(limits) {}

    // Removes `name` in `directory`; `path` names it in messages. A top name is removed only
    // when it is a directory.
    void remove(int directory, const std::string& name, const std::string& path, int depth, bool top) {
        for (int attempt = 0; attempt < attempts_per_name; ++attempt) {
            if (!top) {
                if (::unlinkat(directory, name.c_str(), 0) == 0) return;
                if (errno == ENOENT) return;
                if (errno != EISDIR) {
                    leave(path, std::strerror(errno));
                    return;
                }
            }
            UniqueFd entered(::openat(directory, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!entered) {
                int err = errno;
                if (err == ENOENT) return;
                if (err != ELOOP && err != ENOTDIR) {
                    leave(path, std::strerror(err));
                    return;
                }
                if (top) {
                    leave(path, "not a directory, not followed");
                    return;
                }
                continue;  // swapped for a link or a file since the unlink: unlink that
            }
            if (!take(entered.get(), path, depth)) return;
            if (!empty(entered.get(), path, depth)) return;
            if (::unlinkat(directory, name.c_str(), AT_REMOVEDIR) == 0) {
                removed_top_ = removed_top_ || top;
                return;
            }
            if (errno == ENOENT) return;
            // ENOTDIR: swapped for a link or a file; ENOTEMPTY, EEXIST: a name added, or another
            // directory swapped in (rmdir(2) removes only an empty one). Look again.
            if (errno != ENOTDIR && errno != ENOTEMPTY && errno != EEXIST) {
                leave(path, std::strerror(errno));
                return;
            }
        }
        leave(path, "changed " + std::to_string(attempts_per_name) + " times while it was removed");
    }

    bool removed_top() const { return removed_top_; }
    std::vector<std::string> take_left() { return std::move(left_); }

private:
    // Whether the directory held by `directory` is one to empty (`owner`'s, on the tree's file
    // system, within the depth bound), then taken from its owner when that is not the caller:
    // its owner becomes the caller and its mode 0700, so that the user can no longer rename, swap
    // or add a name in it (nor through an ACL: chmod(2) empties the mask that bounds its entries),
    // and what is read in it stays so until it is removed. The user racing the removal has lost
    // the directory before a name in it is read, instead of racing each unlink.
    bool take(int directory, const std::string& path, int depth) {
        struct stat status {};
        if (::fstat(directory, &status) != 0) return leave(path, std::strerror(errno));
        if (status.st_uid != owner_)
            return leave(path, "owned by uid " + std::to_string(status.st_uid) + ", not uid " + std::to_string(owner_));
        if (status.st_dev != device_) return leave(path, "on another file system");
        if (depth > limits_.depth) return leave(path, "deeper than " + std::to_string(limits_.depth) + " directories");
        uid_t self = ::geteuid();
        if (owner_ != self && (::fchown(directory, self, static_cast<gid_t>(-1)) != 0 || ::fchmod(directory, 0700) != 0))
            return leave(path, std::strerror(errno));
        return true;
    }

    // Removes all in the directory held by `directory`; true when it was emptied.
    bool empty(int directory, const std::string& path, int depth) {
        for (int reading = 0; reading < readings_per_directory; ++reading) {
            std::vector<std::string> names;
            try {
                names = directory_names(directory, limits_.entries - entries_);
            } catch (const Error& error) {
                return leave(path, error.what());
            }
            entries_ += names.size();
            if (entries_ > limits_.entries)
                return leave(path, "more than " + std::to_string(limits_.entries) + " entries in the tree");
            if (names.empty()) return true;
            size_t left_before = left_.size();
            for (const std::string& name : names) remove(directory, name, path + "/" + name, depth + 1, false);
            if (left_.size() != left_before) return false;
        }
        return leave(path, "still filling after " + std::to_string(readings_per_directory) + " readings");
    }

    // Notes what stays and why; false, for a caller that stops there.
    bool leave(const std::string& path, const std::string& why) {
        left_.push_back(path + ": " + why);
        return false;
    }

    uid_t owner_;
    dev_t device_;
    TreeLimits limits_;
    size_t entries_ = 0;
    bool removed_top_ = false;
    std::vector<std::string> left_;
};

}  // namespace

TreeRemoval remove_tree_beneath(int parent, const std::string& parent_path, const std::string& name, uid_t owner,
                                const TreeLimits& limits) {
    struct stat status {};
    if (::fstat(parent, &status) != 0) throw_errno("stat " + parent_path);
    TreeRemover remover(owner, status.st_dev, limits);
    remover.remove(parent, name, parent_path + "/" + name, 0, true);
    return TreeRemoval{remover.removed_top(), remover.take_left()};
}

}  // namespace hpc
