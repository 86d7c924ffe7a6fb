// `hpc slurm epilog`: run by slurmd as root after a job ends on the node (also after it was
// killed), with no PATH. It removes what hpc left there for the job:
//  - processes: the job user's that carry the job's SLURM_JOB_ID in their environment and are
//    hpc itself or inside a container (a user namespace other than the host's); Slurm's own
//    tracking misses a daemon a payload started, and a server killed before it could sweep
//    its namespace leaves that daemon running;
//  - the job's staged image (job_prolog.hpp) and slirp4netns API directories an older hpc's launches left:
//    trees the job's user owns and may change while root removes them, so they are removed
//    through descriptors, never by path (common/remove_tree.hpp).
// The host's other processes, and the user's other jobs, are left alone.
#pragma once

#include "common/unique_fd.hpp"
#include "site-config/site_config.hpp"
#include "slurm/slurm_job.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace hpc::slurm {

// A process found, held by a pidfd taken before it was examined: a pid reused since is not the
// one signalled.
struct Leftover {
    pid_t pid = 0;
    UniqueFd process;
};

// The processes under `proc` (a /proc) that the epilog ends for `job_id` and `uid`: see above.
// `own_executable` is hpc's file (its /proc/self/exe), `host_user_namespace` the namespace the
// caller is in (its /proc/self/ns/user).
std::vector<Leftover> leftover_processes(const std::string& proc, const std::string& job_id, uid_t uid,
                                      const std::string& own_executable, const std::string& host_user_namespace);

struct EpilogReport {
    int processes_ended = 0;
    std::vector<std::string> removed;  // paths
    std::vector<std::string> left;     // "PATH: why not", what of the job user's was not removed
};

// Ends the job's leftover processes (SIGKILL, until none is found) and removes its files.
EpilogReport run_epilog(const SlurmJob& job, const site::SiteConfig& site);

}  // namespace hpc::slurm
