#include "sandbox/plan/fakeroot.hpp"

namespace hpc::sandbox {
namespace {

// The user's own id as 0, then each range in turn from 1.
std::vector<IdMap> map_after_root(uint32_t own, const std::vector<SubordinateRange>& ranges) {
    std::vector<IdMap> maps{{0, own, 1}};
    uint32_t next_inside = 1;
    for (const SubordinateRange& range : ranges) {
        if (range.count > UINT32_MAX - next_inside) break;  // the namespace's ids end at 2^32-1
        maps.push_back({next_inside, range.start, range.count});
        next_inside += range.count;
    }
    return maps;
}

}  // namespace

uint32_t ids_inside(const std::vector<IdMap>& maps) {
    uint32_t total = 0;
    for (const IdMap& map : maps) total += map.count;
    return total;
}

FakerootIds plan_fakeroot(const std::string& user_name, uint32_t uid, uint32_t gid, const SubordinateIds& ids) {
    FakerootIds fakeroot;
    if (!ids.unavailable.empty() || ids.uids.empty() || ids.gids.empty()) {
        std::string why = !ids.unavailable.empty() ? ids.unavailable
                          : ids.uids.empty()       ? "no subordinate uid range for " + user_name + " in /etc/subuid"
                                                   : "no subordinate gid range for " + user_name + " in /etc/subgid";
        fakeroot.uid_map = {{0, uid, 1}};
        fakeroot.gid_map = {{0, gid, 1}};
        fakeroot.ownership_ignored = true;
        fakeroot.one_id_reason = why;
        fakeroot.warnings.push_back("--fakeroot with one id (" + why +
                                    "): chown and setuid succeed without effect, ownership will not be kept");
        return fakeroot;
    }
    fakeroot.uid_map = map_after_root(uid, ids.uids);
    fakeroot.gid_map = map_after_root(gid, ids.gids);
    for (auto [kind, maps] : {std::pair{"uid", &fakeroot.uid_map}, std::pair{"gid", &fakeroot.gid_map}}) {
        uint32_t total = ids_inside(*maps);
        if (total < distribution_ids)
            fakeroot.warnings.push_back("--fakeroot: " + user_name + "'s subordinate " + kind + " ranges give " +
                                        std::to_string(total) + " ids, fewer than the " +
                                        std::to_string(distribution_ids) +
                                        " a distribution expects: files of ids beyond " + std::to_string(total - 1) +
                                        " cannot be made");
    }
    return fakeroot;
}

}  // namespace hpc::sandbox
