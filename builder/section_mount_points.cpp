#include "builder/section_mount_points.hpp"

#include "common/path_in_root.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

namespace hpc::builder {
namespace {

bool exists(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}

// A path's resolution inside `root`, every symlink followed there (never on the host).
std::string resolved_in(const std::string& root, const std::string& path) {
    return resolve_in_root(path, [&](const std::string& at) -> std::optional<std::string> {
        char target[PATH_MAX];
        ssize_t length = ::readlink((root + at).c_str(), target, sizeof target);
        if (length < 0 || length == static_cast<ssize_t>(sizeof target)) return std::nullopt;
        return std::string(target, static_cast<size_t>(length));
    });
}

}  // namespace

SectionMountPoints::SectionMountPoints(const std::string& root, const sandbox::LaunchPlan& plan) : root_(root) {
    for (const sandbox::MountStep& step : plan.mounts) {
        // A symlink step makes a link, not a mount point: it is the launch's to keep or not.
        if (step.kind == sandbox::MountKind::symlink) continue;
        for (std::string path = resolved_in(root, step.target); path != "/" && !exists(root + path);
             path = path.substr(0, std::max<size_t>(path.rfind('/'), 1)))
            missing_.push_back(path);
    }
    std::sort(missing_.begin(), missing_.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    missing_.erase(std::unique(missing_.begin(), missing_.end()), missing_.end());
}

void SectionMountPoints::remove() const {
    for (const std::string& path : missing_) {
        // The section may have made a link on the way since (it is root in the stage): then
        // the path leads elsewhere, maybe out of the stage, and is left alone.
        if (resolved_in(root_, path) != path) continue;
        std::string staged = root_ + path;
        struct stat status {};
        if (::lstat(staged.c_str(), &status) != 0) continue;
        // Best effort: one that cannot go stays, as a mount point would have anyway.
        if (S_ISDIR(status.st_mode))
            ::rmdir(staged.c_str());  // only when empty
        else if (S_ISREG(status.st_mode) && status.st_size == 0)
            ::unlink(staged.c_str());
    }
}

}  // namespace hpc::builder
