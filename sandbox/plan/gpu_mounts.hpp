// What --nv, --rocm and --device (CDI) ask of a container's plan, decided from the facts the
// host gave (gpu/ found them):
//  - the driver's libraries, read-only at /.singularity.d/libs/NAME, that directory first in
//    the payload's LD_LIBRARY_PATH (Apptainer's place, so that images made for it find them);
//  - its programs (nvidia-smi, rocm-smi, ...) read-only at /usr/bin/NAME;
//  - its device nodes at their own paths: hpc's /dev is a tmpfs of its own, so every GPU's is
//    bound, or with --contain only those of the GPUs the job's variables name (visible_gpus.hpp);
//  - NVIDIA's firmware directory and, when CUDA_MPS_PIPE_DIRECTORY or CUDA_MPS_LOG_DIRECTORY is
//    set, MPS's directories; /proc/driver/nvidia is in the container's /proc already;
//  - a CDI device's edits (gpu/cdi.hpp): its nodes and mounts as binds, its variables, its
//    library directories.
#pragma once

#include "sandbox/environment/environment.hpp"
#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/plan/planner.hpp"
#include "site-config/site_config.hpp"

#include <string>
#include <vector>

namespace hpc::sandbox {

struct DeviceMounts {
    std::vector<MountStep> steps;  // after `planned`, in order
    std::vector<std::string> library_directories;  // first in the payload's LD_LIBRARY_PATH
    EnvVars variables;  // set for the payload, over the host's values (the user's --env still wins)
    std::vector<std::string> warnings;
};

// `planned`: the mounts planned so far. Throws hpc::Error: unavailable for a node without the
// driver when the site's gpu.require_driver is set; denied for a library or program found
// through the user's LD_LIBRARY_PATH or PATH, or a CDI spec's host path from --cdi-dirs, where
// binds.deny or binds.allow refuse; usage for a *_VISIBLE_DEVICES that names a GPU the node has
// not got; and what gpu::read_cdi_devices throws.
DeviceMounts plan_device_mounts(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site,
                                const std::vector<MountStep>& planned);

// plan_device_mounts's part for --device: the CDI edits of the devices named, added to `mounts`.
void plan_cdi_devices(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site,
                      DeviceMounts& mounts);

}  // namespace hpc::sandbox
