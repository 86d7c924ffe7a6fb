// Folders that are one user's (the image cache, the instances' records), opened once and checked,
// so that everything after works through their descriptors (*at() calls) and no name is resolved
// twice. A folder owned by another uid, or writable by group or others, could be filled or
// swapped by someone else, and a symbolic link in place of a sub-folder would send the writes
// wherever it points; each is refused.
#pragma once

#include "common/unique_fd.hpp"

#include <string>
#include <string_view>

namespace hpc {

// How messages name the folders of one kind: "<label> <path>: ...".
struct FolderKind {
    std::string_view label;           // "cache"
    std::string_view one_users;       // after "not by you (uid N): ", e.g. "a cache is one user's"
    std::string_view writable_remedy; // after "chmod go-w it", e.g. ", or use another cache"
};

// `path` made as `mkdir -p` makes it (its parents with the umask's modes, itself 0700), then
// opened and checked. `path` itself may be a link the user made (~/.cache to a scratch file
// system): what it leads to is checked and used from then on. Throws hpc::Error: denied naming
// the folder, or the errno's when it cannot be made or opened.
UniqueFd open_private_folder(const std::string& path, const FolderKind& kind);

// The sub-folder `name` of `parent` (made 0700 when absent), never through a link, checked.
UniqueFd open_private_sub_folder(int parent, const std::string& parent_path, const char* name, const FolderKind& kind);

}  // namespace hpc
