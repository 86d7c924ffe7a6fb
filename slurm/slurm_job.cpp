#include "slurm/slurm_job.hpp"

#include "common/environ.hpp"
#include "common/error.hpp"

#include <sys/stat.h>

#include <charconv>
#include <optional>

namespace hpc::slurm {
namespace {

std::string variable(const std::vector<std::string>& environ, std::string_view name) {
    return std::string(environ_value(environ, name).value_or(""));
}

uint32_t number(const std::vector<std::string>& environ, std::string_view name) {
    std::optional<std::string_view> text = environ_value(environ, name);
    uint32_t value = 0;
    if (!text || text->empty()) throw Error(ExitCode::usage, std::string(name) + " is not set: run by Slurm's slurmd as a Prolog or Epilog");
    auto [end, problem] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (problem != std::errc() || end != text->data() + text->size())
        throw Error(ExitCode::usage, std::string(name) + "=" + std::string(*text) + ": not a number");
    return value;
}

}  // namespace

SlurmJob job_from_environment(const std::vector<std::string>& environ) {
    SlurmJob job;
    job.id = std::to_string(number(environ, "SLURM_JOB_ID"));
    job.uid = number(environ, "SLURM_JOB_UID");
    job.gid = environ_value(environ, "SLURM_JOB_GID") ? number(environ, "SLURM_JOB_GID") : job.uid;
    job.image = variable(environ, "SPANK_HPC_IMAGE");
    if (!job.image.empty() && job.image.front() != '/')
        job.image = std::string(environ_value(environ, "SLURM_JOB_WORK_DIR").value_or("/")) + "/" + job.image;
    job.stage = variable(environ, "SPANK_HPC_STAGE") == "1";
    return job;
}

std::string job_folder_name(const std::string& job_id) { return "job-" + job_id; }

std::string staged_image_name(const std::string& image) { return image.substr(image.rfind('/') + 1); }

std::string job_stage_directory(const std::string& stage_directory, const std::string& job_id) {
    return stage_directory + "/" + job_folder_name(job_id);
}

std::string staged_image_path(const std::string& stage_directory, const std::string& job_id, const std::string& image) {
    return job_stage_directory(stage_directory, job_id) + "/" + staged_image_name(image);
}

std::optional<std::string> staged_image(const std::string& stage_directory, const std::string& job_id,
                                        const std::string& image, uid_t uid) {
    if (stage_directory.empty()) return std::nullopt;
    std::string staged = staged_image_path(stage_directory, job_id, image);
    struct stat status {};
    if (::stat(staged.c_str(), &status) != 0 || !S_ISREG(status.st_mode) || status.st_uid != uid) return std::nullopt;
    return staged;
}

}  // namespace hpc::slurm
