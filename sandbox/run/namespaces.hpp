// Entering the container's namespaces: a new user namespace (so an ordinary user holds
// capabilities over what follows), a mount namespace, and on request IPC and PID namespaces.
#pragma once

#include "sandbox/plan/launch_plan.hpp"


namespace hpc::sandbox {

// unshare(2)s the namespaces the plan asks for, but the PID namespace, and writes the id
// maps: itself when they map only the user's own ids, else through newuidmap and newgidmap
// run from a helper left outside (--fakeroot's subordinate ranges), after which the host's
// supplementary groups are dropped. The calling process must still be single-threaded (a user
// namespace requires it). Throws hpc::Error(unavailable) when the kernel or the host's
// settings refuse unprivileged user namespaces, saying which setting to check, or when
// newuidmap refuses the ranges.
void enter_namespaces(const LaunchPlan& plan);

// The user and mount namespaces alone (and `more_flags`, e.g. CLONE_NEWIPC), with these maps:
// what enter_namespaces does, for a caller without a plan (a build's own namespace).
void enter_user_namespace(const std::vector<IdMap>& uid_map, const std::vector<IdMap>& gid_map, int more_flags = 0);

// For a container whose network slirp4netns serves (slirp_network.hpp), whose sandbox makes
// itself root in the user namespace owning that network: when the plan maps no root (no
// --fakeroot), an outer user namespace mapping the user's ids to 0 owns the network, and the
// container's own, inside it, maps them back. enter_root_owner() makes the outer one (and a
// mount namespace); enter_namespaces_inside_root_owner() then makes the plan's inside it.
bool maps_root(const LaunchPlan& plan);
void enter_root_owner();
void enter_namespaces_inside_root_owner(const LaunchPlan& plan);

// Kills (SIGKILL) every other process in the calling process's user namespace, as `proc` (an
// open /proc of the host's PID namespace) lists them, until none is left: what the container's
// payloads left running once they have all ended, however they were started. Only for a
// process that made its user namespace itself (enter_namespaces): in the host's it would end
// every process of the user.
void end_other_processes_in_own_user_namespace(int proc);

}  // namespace hpc::sandbox
