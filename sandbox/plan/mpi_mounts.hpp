// What an MPI launch asks of a container's plan, decided with mpi/ from the facts passed in:
//  - always: the session directories the launcher names to its ranks (srun --mpi=pmix's
//    /var/spool/slurmd/pmix.J.S, mpirun's below /tmp), bound at their own paths where the
//    container would not show them otherwise;
//  - with --mpi host (or the site's mpi.default): the host's MPI in place of the image's
//    (mpi/bind_model.hpp): its plugin directories at their own paths, its libraries in one
//    directory that comes first in LD_LIBRARY_PATH.
#pragma once

#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/plan/planner.hpp"
#include "site-config/site_config.hpp"

#include <string>
#include <vector>

namespace hpc::sandbox {

struct MpiMounts {
    std::vector<MountStep> steps;  // after `planned`, in order
    std::vector<std::string> library_directories;  // first in the payload's LD_LIBRARY_PATH
    std::vector<std::string> warnings;
};

// `planned`: the mounts planned so far. Throws hpc::Error: usage for an --mpi that is neither
// "image" nor "host"; data when the image has no MPI (--mpi host given) or one that cannot
// use the host's (mpi/bind_model.hpp); unavailable when the host has none; denied when a
// library found through the user's LD_LIBRARY_PATH lies where binds.deny or binds.allow
// refuse. A session directory the policy refuses is left out with a warning: it comes from
// the environment, which the user controls, and a program that is no MPI one runs without it.
MpiMounts plan_mpi_mounts(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                          const site::SiteConfig& site, const std::vector<MountStep>& planned);

}  // namespace hpc::sandbox
