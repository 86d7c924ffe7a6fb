// The user's subordinate id ranges (/etc/subuid, /etc/subgid, or whatever source shadow is
// configured with) and whether newuidmap/newgidmap can grant them: what --fakeroot maps
// behind the user's own id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hpc::sandbox {

struct SubordinateRange {
    uint32_t start = 0;
    uint32_t count = 0;

    bool operator==(const SubordinateRange&) const = default;
};

struct SubordinateIds {
    std::vector<SubordinateRange> uids;
    std::vector<SubordinateRange> gids;
    // Why no range can be used, when none can ("newuidmap is not installed ..."); empty when
    // the ranges are simply absent or usable.
    std::string unavailable;
};

// Asks shadow's own library (libsubid, loaded only when --fakeroot asks: it brings SELinux and
// audit libraries that every other launch would pay for) for `user_name`'s ranges, as
// newuidmap will check them: lines naming the user or their uid, several ranges each.
SubordinateIds read_subordinate_ids(const std::string& user_name);

}  // namespace hpc::sandbox
