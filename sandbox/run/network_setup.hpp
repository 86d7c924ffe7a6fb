// Entering the network and UTS namespaces a NetworkPlan asks for, from inside the container's
// user namespace (whose root may configure them): a network namespace for none and slirp, with
// its loopback up (a new one starts down), and a UTS namespace for --hostname.
#pragma once

#include "sandbox/plan/network_plan.hpp"

namespace hpc::sandbox {

// Throws hpc::Error naming the step that failed.
void enter_network_namespaces(const NetworkPlan& network);

}  // namespace hpc::sandbox
