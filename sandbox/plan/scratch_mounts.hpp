// -S/--scratch and -W/--workdir, Apptainer's (its container_linux.go: addScratchMount,
// addTmpMount, addHomeStagingDir). Each -S DIR is a directory of the container's that starts
// empty: without -W a tmpfs of its own, gone with the container; with -W the host's
// WORKDIR/scratch/DIR, kept after the run. With --contain, -W holds the fresh /tmp, /var/tmp
// and home too: WORKDIR/tmp, WORKDIR/var_tmp and WORKDIR/home. Without -S or --contain, -W is
// not used, as in Apptainer (a site may set APPTAINER_WORKDIR for every launch).
//
// Pure, like the planner: what is missing below WORKDIR is made by the executor, through a
// descriptor of the WORKDIR the site's policy judged, following no symlink (work_directory.hpp),
// with Apptainer's modes: 0750 for scratch, 1777 for tmp and var_tmp, 0700 for home.
#pragma once

#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/plan/planner.hpp"
#include "site-config/site_config.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace hpc::sandbox {

inline constexpr std::size_t max_scratch_directories = 64;
inline constexpr std::size_t max_scratch_path = 4095;  // PATH_MAX less its terminating NUL

// Refuses (usage) what -S and -W cannot mean: more than max_scratch_directories -S, a -S that is
// relative, "/", holds a ".." or a control character, is longer than max_scratch_path or given
// twice; a -W longer than that.
void check_scratch_request(const LaunchRequest& request);

// -W's canonical host path, when this launch puts something there (-S, or --contain); else "".
// Throws no_input for a WORKDIR that does not exist, usage for one that is no directory, denied
// for one the site's bind policy refuses (it is a bind source like -B's).
std::string plan_workdir(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site);

// The directory `subdirectory` of the host's `workdir` (canonical) at `target`, made when missing.
MountStep work_directory_step(const std::string& workdir, std::string subdirectory, const std::string& target,
                              uint32_t mode, std::string purpose);

// -S's mounts, in the order given but a parent before its children (a tmpfs on /a made after
// /a/b would hide it).
std::vector<MountStep> plan_scratch_mounts(const LaunchRequest& request, const std::string& workdir);

// --contain's /tmp or /var/tmp (`target`) from WORKDIR/tmp or WORKDIR/var_tmp.
MountStep contained_tmp_in_workdir(const std::string& workdir, const std::string& target);

// --contain's home, at `home` in the container, from WORKDIR/home.
MountStep contained_home_in_workdir(const std::string& workdir, const std::string& home);

}  // namespace hpc::sandbox
