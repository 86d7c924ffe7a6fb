// The key under which a server keeps a staged container tree for later launches
// (node_share.hpp): the plan's description (sandbox/plan/staged_tree.hpp) and what each host
// path it binds is now. A directory removed and made again, or a file replaced by a rename
// (resolv.conf), is another file (another inode, or the same number of another generation):
// the key differs, and the launch stages its own tree.
#pragma once

#include "sandbox/plan/launch_plan.hpp"

#include <cstddef>
#include <string>

namespace hpc::sandbox {

// Keys longer than this (an image with a huge /etc/passwd) are not kept.
inline constexpr std::size_t max_staged_tree_key = 64 * 1024;

// The key of the tree `plan` stages, or "" when it may not be kept (staged_tree_reusable) or
// its key is too long. In the launch's process before it enters any namespace: the host paths
// are looked up as the planner saw them.
std::string staged_tree_key(const LaunchPlan& plan);

}  // namespace hpc::sandbox
