// The cache's folders, opened once and checked, so that everything after works through their
// descriptors (*at() calls) and no name is resolved twice: the root (made as `mkdir -p` would,
// itself mode 0700), and under it blobs/ALG, sif/ALG, tags and locks. The cache is one user's:
// a root or folder owned by another uid, or writable by group or others, could be filled or
// swapped by someone else, and a symbolic link in place of a folder would send the cache's
// writes wherever it points; each is refused.
#pragma once

#include "common/unique_fd.hpp"

#include <string>
#include <string_view>

namespace hpc::image::cache {

// What a folder holds, for the folder of an algorithm.
enum class Holding { blobs, sifs };

class CacheFolders {
public:
    // Throws hpc::Error: denied naming the folder (another owner, group- or other-writable, a link
    // or no folder in place of a sub-folder), or the errno's when one cannot be made or opened.
    static CacheFolders open(const std::string& root);

    const std::string& root() const { return root_; }
    int root_fd() const { return root_fd_.get(); }
    // blobs/sha256 or sha512, sif/sha256 or sha512; `algorithm` is a checked digest's.
    int folder(Holding holding, std::string_view algorithm) const;
    int tags() const { return tags_.get(); }
    int locks() const { return locks_.get(); }
    // "ROOT/blobs/sha256" and the like, for messages and the paths handed out.
    std::string path(Holding holding, std::string_view algorithm) const;
    std::string tags_path() const { return root_ + "/tags"; }
    std::string locks_path() const { return root_ + "/locks"; }

private:
    std::string root_;
    UniqueFd root_fd_;
    UniqueFd blobs_sha256_, blobs_sha512_, sifs_sha256_, sifs_sha512_, tags_, locks_;
};

}  // namespace hpc::image::cache
