// The job a Slurm prolog or epilog runs for, from the variables slurmd gives it: SLURM_JOB_ID,
// SLURM_JOB_UID, SLURM_JOB_GID, SLURM_JOB_WORK_DIR, and the plugin's SPANK_HPC_IMAGE and
// SPANK_HPC_STAGE (slurm_spank_init_post_opt sets them for the job's control environment).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace hpc::slurm {

struct SlurmJob {
    std::string id;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string image;  // absolute (a relative one is taken from the job's working directory); "" for none
    bool stage = false;

    bool operator==(const SlurmJob&) const = default;
};

// Throws hpc::Error(usage) when SLURM_JOB_ID or SLURM_JOB_UID is missing or malformed: the
// command was not run by slurmd.
SlurmJob job_from_environment(const std::vector<std::string>& environ);

// Where the prolog stages the job's image and the job's tasks find it:
// STAGE_DIRECTORY/job-ID/NAME, NAME the image's file name. The prolog and the epilog, as root,
// act on the job folder (job-ID) and NAME through descriptors, never by these paths.
std::string job_folder_name(const std::string& job_id);
std::string staged_image_name(const std::string& image);
std::string job_stage_directory(const std::string& stage_directory, const std::string& job_id);
std::string staged_image_path(const std::string& stage_directory, const std::string& job_id, const std::string& image);

// The prolog's copy of `image` for the job, when there is one and it is a regular file of `uid`'s
// (a task runs it instead of the original); nullopt otherwise.
std::optional<std::string> staged_image(const std::string& stage_directory, const std::string& job_id,
                                        const std::string& image, uid_t uid);

}  // namespace hpc::slurm
