// Path handling shared by the two ImageTree implementations (squashfs_tree, directory_tree).
#pragma once

#include "common/path_in_root.hpp"

#include <string>
#include <string_view>

namespace hpc::image {

// Where `path` leads inside the root without following a final symlink, as lstat(2) would
// walk it: the parents are resolved in the root, the last name is kept as it is. A final ".",
// ".." or a trailing slash makes the kernel follow the whole path, so this does too.
inline std::string resolve_in_root_keeping_last(std::string_view path, const ReadLinkInRoot& read_link) {
    if (!path.empty() && path.back() == '/') return resolve_in_root(path, read_link);
    std::size_t slash = path.rfind('/');
    std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (last.empty() || last == "." || last == "..") return resolve_in_root(path, read_link);
    std::string_view parent = slash == std::string_view::npos ? std::string_view("/") : path.substr(0, slash);
    std::string resolved = resolve_in_root(parent, read_link);
    if (resolved.size() > 1) resolved += '/';
    resolved += last;
    return resolved;
}

// The names of an absolute, normalised path ("/a/b" -> "a", "b"), one at a time.
template <typename Visit>
bool for_each_component(std::string_view resolved, Visit visit) {
    std::size_t start = 1;
    while (start < resolved.size()) {
        std::size_t end = resolved.find('/', start);
        if (end == std::string_view::npos) end = resolved.size();
        if (!visit(resolved.substr(start, end - start))) return false;
        start = end + 1;
    }
    return true;
}

}  // namespace hpc::image
