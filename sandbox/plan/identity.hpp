// The user's identity inside the container: the image's /etc/passwd and /etc/group with the
// user's own entries added, so that `whoami`, `id -Gn` and `ls -l` answer as on the host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::sandbox {

struct GroupEntry {
    uint32_t gid = 0;
    std::string name;

    bool operator==(const GroupEntry&) const = default;
};

struct UserIdentity {
    uint32_t uid = 0;
    uint32_t gid = 0;  // primary group
    std::string name;
    std::string gecos;
    std::string home;   // on the host
    std::string shell;  // on the host
    std::vector<GroupEntry> groups;  // the groups the container can show, primary first
};

// The image's passwd (possibly empty or missing lines' newline) with any line for the user's
// name or uid replaced by the user's own, whose home is `home_in_container` and whose shell
// is the host's when `shell_exists_in_image`, else /bin/sh.
std::string passwd_with_user(std::string_view image_passwd, const UserIdentity& user,
                             std::string_view home_in_container, bool shell_exists_in_image);

// The image's group file with an entry for each of `groups` (the groups the container can
// see): an existing line with that gid gets the user added to its members; a missing one is
// appended as "name:x:gid:user".
std::string group_with_user(std::string_view image_group, const UserIdentity& user,
                            const std::vector<GroupEntry>& groups);

}  // namespace hpc::sandbox
