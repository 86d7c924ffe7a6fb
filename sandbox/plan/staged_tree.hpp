// A container tree a launch that joined another's server has staged, kept by the server for the
// next launch that would stage the same one (node_share.hpp): the thousandth task of a workflow
// then enters a finished tree instead of making its forty mounts again.
#pragma once

#include "sandbox/plan/launch_plan.hpp"

#include <string>

namespace hpc::sandbox {

// Whether the tree `plan` stages may serve later launches as it is: nothing of hpc's own in it
// takes the container's writes (every tmpfs read-only, no overlay, no --writable: the only
// writable places are the host's, bound), and each payload makes nothing in it (no /proc of a
// PID namespace), and no terminal is bound in it. Each launch still enters it through a mount
// namespace of its own.
bool staged_tree_reusable(const LaunchPlan& plan);

// Everything in `plan` the staged tree follows from, in an unambiguous text (each field
// length-prefixed): the id maps, the root, the image files beside it and every mount step in
// order, with the content of the files it writes. Two plans give the same text exactly when
// they stage the same tree from the same host paths; what those paths are now is the
// executor's to add (sandbox/run/staged_tree_key.hpp).
std::string staged_tree_description(const LaunchPlan& plan);

}  // namespace hpc::sandbox
