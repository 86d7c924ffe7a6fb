// Which user and group ids the current user namespace maps, from /proc/self/{uid,gid}_map.
// The FUSE server shows image files owned by ids outside these as owned by the mounting user:
// the kernel refuses to create anything in a directory whose owner it cannot map (fs/namei.c,
// inode_permission: HAS_UNMAPPED_ID gives EACCES for MAY_WRITE), which would make mount points
// under the root-owned directories of an ordinary image impossible for an unprivileged user.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::image {

class IdRanges {
public:
    // Everything mapped: what a process in the initial namespace sees, or where /proc is missing.
    static IdRanges all();
    // The ids inside the namespace (first column) of a uid_map or gid_map text.
    static IdRanges parse(std::string_view map_text);
    // /proc/self/uid_map or gid_map; all() if it cannot be read.
    static IdRanges of_this_namespace(bool groups);

    bool contains(uint32_t id) const;

private:
    std::vector<std::pair<uint64_t, uint64_t>> ranges_;  // [first, first + count)
};

}  // namespace hpc::image
