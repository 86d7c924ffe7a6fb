// A build's scratch space: a private directory (mode 0700) under --tmpdir, $TMPDIR or /tmp, holding each
// stage's overlay upper and work directories and the mount points of its base and root. It goes
// when the build does, whatever happened: mounts detached first, then every file removed
// (overlayfs leaves directories without permissions in its work directory; they are opened up).
#pragma once

#include <string>
#include <vector>

namespace hpc::builder {

class WorkArea {
public:
    // In `parent`, or when that is "" in $TMPDIR (an absolute one), else /tmp. Throws hpc::Error.
    explicit WorkArea(const std::string& parent);
    ~WorkArea();
    WorkArea(const WorkArea&) = delete;
    WorkArea& operator=(const WorkArea&) = delete;

    const std::string& path() const { return path_; }
    // A new directory under the area (parents made as needed).
    std::string directory(const std::string& name) const;
    // A mount made below the area, to be detached before the files go (deepest first).
    void track_mount(const std::string& target) { mounts_.push_back(target); }

private:
    std::string path_;
    std::vector<std::string> mounts_;
};

// Removes a tree as far as its owner can: directories without write or search permission are
// opened up first. Never follows symlinks or crosses into mounts. Errors are ignored: this is
// cleanup.
void remove_tree(const std::string& path) noexcept;

}  // namespace hpc::builder
