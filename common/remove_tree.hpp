// Removing, as root, a tree that an ordinary user owns and may change while it is removed (the
// Slurm epilog's job folder and slirp4netns directories). A walk by path names (nftw(3), rm -r)
// resolves each name again at each call, so a user who swaps a subdirectory for a link to a
// directory of root's (renameat2 RENAME_EXCHANGE, in a loop) makes root unlink files there.
// Here every directory is opened relative to the descriptor of the one above it, with
// O_NOFOLLOW, checked, taken from the user (made the caller's, mode 0700) so that its names no
// longer change, and emptied through its own descriptor: a link is never followed, whatever is
// swapped in afterwards, and the walk never leaves the tree it entered.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace hpc {

struct TreeLimits {
    int depth = 128;                   // directories below the top one
    std::size_t entries = 1'000'000;   // names read, over the whole tree
};

struct TreeRemoval {
    bool removed = false;            // the top directory was there and is gone
    std::vector<std::string> left;   // "PATH: why not", for each thing left in place
};

// Removes the directory `name` in the directory held by `parent`, with all it holds. Only
// `owner`'s directories on `parent`'s file system are entered (another user's, or a mount point
// such as the user's own FUSE mount, is left alone), and, when `owner` is not the caller, taken
// before they are read (a directory left for a reason below stays the caller's, 0700); other
// names in them are unlinked, links as links. A `name` that is not a directory is left alone. A name that changes between two calls is
// tried again a bounded number of times. `parent_path` names `parent` in the `left` lines only.
// Never throws for what it finds in the tree; throws hpc::Error only when `parent` is unusable.
TreeRemoval remove_tree_beneath(int parent, const std::string& parent_path, const std::string& name, uid_t owner,
                                const TreeLimits& limits = {});

}  // namespace hpc
