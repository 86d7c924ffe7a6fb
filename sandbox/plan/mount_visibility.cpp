#include "sandbox/plan/mount_visibility.hpp"

#include "sandbox/plan/site_policy.hpp"

namespace hpc::sandbox {

bool shows_host_path(const std::vector<MountStep>& planned, const std::string& path, const std::string& canonical,
                     const CanonicalPath& resolve) {
    for (auto step = planned.rbegin(); step != planned.rend(); ++step) {
        if (step->kind == MountKind::symlink || !path_is_within(path, step->target)) continue;
        if (step->kind != MountKind::bind) return false;
        std::string below = path.substr(step->target == "/" ? 0 : step->target.size());
        return resolve(step->source + below) == canonical;
    }
    return false;
}

}  // namespace hpc::sandbox
