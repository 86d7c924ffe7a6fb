#include "slurm/slurm_job.hpp"

#include "common/error.hpp"

#include <charconv>
#include <optional>

namespace hpc::slurm {
namespace {

std::optional<std::string> variable(const std::vector<std::string>& environ, std::string_view name) {
    for (const std::string& entry : environ)
        if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=')
            return entry.substr(name.size() + 1);
    return std::nullopt;
}

uint32_t number(const std::vector<std::string>& environ, std::string_view name) {
    std::optional<std::string> text = variable(environ, name);
    uint32_t value = 0;
    if (!text || text->empty()) throw Error(ExitCode::usage, std::string(name) + " is not set: run by Slurm's slurmd as a Prolog or Epilog");
    auto [end, problem] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (problem != std::errc() || end != text->data() + text->size())
        throw Error(ExitCode::usage, std::string(name) + "=" + *text + ": not a number");
    return value;
}

}  // namespace

SlurmJob job_from_environment(const std::vector<std::string>& environ) {
    SlurmJob job;
    job.id = std::to_string(number(environ, "SLURM_JOB_ID"));
    job.uid = number(environ, "SLURM_JOB_UID");
    job.gid = variable(environ, "SLURM_JOB_GID") ? number(environ, "SLURM_JOB_GID") : job.uid;
    job.image = variable(environ, "SPANK_HPC_IMAGE").value_or("");
    if (!job.image.empty() && job.image.front() != '/')
        job.image = variable(environ, "SLURM_JOB_WORK_DIR").value_or("/") + "/" + job.image;
    job.stage = variable(environ, "SPANK_HPC_STAGE").value_or("") == "1";
    return job;
}

std::string job_stage_directory(const std::string& stage_directory, const std::string& job_id) {
    return stage_directory + "/job-" + job_id;
}

std::string staged_image_path(const std::string& stage_directory, const std::string& job_id, const std::string& image) {
    return job_stage_directory(stage_directory, job_id) + "/" + image.substr(image.rfind('/') + 1);
}

}  // namespace hpc::slurm
