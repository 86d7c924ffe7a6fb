#include "cmd/slurm_command.hpp"

#include "cmd/report.hpp"
#include "common/error.hpp"
#include "common/process_environment.hpp"
#include "site-config/site_config_file.hpp"
#include "slurm/job_epilog.hpp"
#include "slurm/job_prolog.hpp"
#include "slurm/task_options.hpp"

#include <unistd.h>

#include <cstdlib>

namespace hpc::cmd {
namespace {

// The prolog's copy of the job's image (--hpc-stage), when there is one and it is the user's.
void use_staged_image(slurm::TaskOptions& options) {
    const char* job = std::getenv("SLURM_JOB_ID");
    if (!options.stage || !job) return;
    site::SiteConfig site = site::load_site_config(site::site_config_path());
    if (auto staged = slurm::staged_image(site.slurm.stage_directory, job, options.image, ::getuid()))
        options.image = *staged;
}

}  // namespace

void add_slurm_options(CLI::App& command, SlurmOptions& options) {
    command.require_subcommand(1);
    command.add_subcommand("prolog", "for slurm.conf's Prolog: check (and with --hpc-stage copy) the job's image")
        ->callback([&options] { options.prolog = true; });
    command.add_subcommand("epilog", "for slurm.conf's Epilog: end and remove what hpc left for the job")
        ->callback([&options] { options.epilog = true; });
}

int run_slurm_command(const SlurmOptions& options) {
    slurm::SlurmJob job = slurm::job_from_environment(process_environment());
    // A bad site config is the admin's to fix: that one may fail (and drain the node).
    site::SiteConfig site = site::load_site_config(site::site_config_path());
    std::string job_name = "job " + job.id;
    try {
        if (options.prolog) {
            for (const std::string& problem : slurm::run_prolog(job, site)) report_warning(job_name + ": " + problem);
            return 0;
        }
        slurm::EpilogReport report = slurm::run_epilog(job, site);
        if (report.processes_ended > 0)
            report_notice(job_name + ": ended " + std::to_string(report.processes_ended) + " leftover process" +
                          (report.processes_ended == 1 ? "" : "es"));
        for (const std::string& path : report.removed) report_notice(job_name + ": removed " + path);
        for (const std::string& line : report.left) report_warning(job_name + ": not removed: " + line);
    } catch (const Error& error) {
        // The node's own fault (the stage directory cannot be made): the admin must see it.
        if (error.code() == ExitCode::config || error.code() == ExitCode::os) throw error.within(job_name);
        report_warning(job_name + ": " + error.what());
    }
    return 0;
}

std::optional<std::vector<std::string>> rewritten_command_line(int argc, char** argv) {
    const char* task_value = std::getenv(slurm::task_variable);
    if (!task_value) return std::nullopt;
    slurm::Task task = slurm::decode_task(task_value);
    ::unsetenv(slurm::task_variable);  // not for the container, nor for an hpc run inside it
    use_staged_image(task.options);
    std::vector<std::string> words{argv[0]};
    for (std::string& word : slurm::exec_arguments(task)) words.push_back(std::move(word));
    words.insert(words.end(), argv + 1, argv + argc);
    return words;
}

}  // namespace hpc::cmd
