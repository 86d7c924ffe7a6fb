// The mounts every container gets unless --no-mount names their group: one table, so that
// what a container sees by default can be read in one place.
#pragma once

#include "sandbox/plan/launch_plan.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hpc::sandbox {

struct DefaultMountContext {
    bool contain = false;   // --contain: fresh /tmp, /var/tmp and /dev/shm, not the host's
    bool pid = false;       // --pid: a fresh /proc
    bool ipc = false;       // --ipc: a fresh /dev/shm
};

// The names --no-mount accepts: the groups of the table, plus each bind-paths target.
bool is_default_mount_name(std::string_view name);

// The default mounts, in mount order, less those whose group or target is in `disabled`.
std::vector<MountStep> default_mounts(const DefaultMountContext& context,
                                      const std::vector<std::string>& disabled);

}  // namespace hpc::sandbox
