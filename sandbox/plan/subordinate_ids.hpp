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

}  // namespace hpc::sandbox
