// What a container will show at a path once the planned mounts are made: whether a host
// directory is already there at the same path (the working directory, an MPI session
// directory), so that the planner binds it only when it is not.
#pragma once

#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"

#include <string>
#include <vector>

namespace hpc::sandbox {

// Whether, after `planned` (in order), the container shows at `path` the host's `canonical`
// directory or file. The last mount at or above `path` decides, as it covers those before it:
// a bind shows its source's subtree (asked of `resolve`); a tmpfs, a file or a procfs shows
// something else; with none, the image's own is there.
bool shows_host_path(const std::vector<MountStep>& planned, const std::string& path, const std::string& canonical,
                     const CanonicalPath& resolve);

}  // namespace hpc::sandbox
