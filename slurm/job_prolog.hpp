// `hpc slurm prolog`: run by slurmd as root before a job's first step on the node, with no PATH.
// For a job that named an image (--hpc-image), it checks the image as the job's user (its
// headers and bounds: a few reads) and, when the job asked (--hpc-stage) and the site names a
// stage_directory, copies it there for the job's tasks to read locally.
//
// A failing prolog drains the node, so a user's mistake (a missing or broken image, a failed
// copy) is only reported: the job goes on and its tasks fail with hpc's own message.
#pragma once

#include "site-config/site_config.hpp"
#include "slurm/slurm_job.hpp"

#include <string>
#include <vector>

namespace hpc::slurm {

// What the prolog found wrong with the job's image or its copy, one line each; empty when all
// went well. Throws hpc::Error only for the node's own faults (the stage directory cannot be
// made), which an admin must see.
std::vector<std::string> run_prolog(const SlurmJob& job, const site::SiteConfig& site);

}  // namespace hpc::slurm
