// --fakeroot's user namespace, decided without I/O: root inside is the user, and the user's
// subordinate ranges follow it (ids 1, 2, ... inside), written by newuidmap and newgidmap.
// Without a usable range it is one id, and a seccomp filter lets the chown and set*id calls
// that package managers make succeed without effect.
#pragma once

#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/plan/subordinate_ids.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hpc::sandbox {

struct FakerootIds {
    std::vector<IdMap> uid_map;
    std::vector<IdMap> gid_map;
    bool ownership_ignored = false;  // one id: chown and set*id succeed without effect
    std::string one_id_reason;       // why one id ("no subordinate uid range for NAME in /etc/subuid")
    std::vector<std::string> warnings;
};

// The ids inside a distribution's packages expect: root, system users, nobody at 65534.
constexpr uint32_t distribution_ids = 65536;

// How many ids the maps give inside, from 0 up when they are contiguous (as fakeroot's are).
uint32_t ids_inside(const std::vector<IdMap>& maps);

FakerootIds plan_fakeroot(const std::string& user_name, uint32_t uid, uint32_t gid, const SubordinateIds& ids);

}  // namespace hpc::sandbox
