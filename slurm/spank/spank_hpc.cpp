// The SPANK plugin: --hpc-image and the common options on srun, salloc and sbatch. Every task of
// a step that names an image runs as `hpc exec [options] IMAGE COMMAND ARGS...`: the plugin
// points the task's command at hpc and hands hpc the rest in its environment
// (slurm/task_options.hpp). The tasks of a node then meet as any launches of one image do, and
// share one mount and one user namespace (sandbox/run/node_share.hpp); each task is its payload,
// so its exit status is the task's.
//
// Loaded into srun, sbatch, salloc, slurmd and slurmstepd, which are C: nothing may throw out of
// here, and a failure is reported through Slurm's log and a non-zero return.
#include "common/error.hpp"
#include "slurm/plugin_settings.hpp"

// spank.h declares the plugin's entry points before its own extern "C" block opens.
extern "C" {
#include <slurm/slurm.h>
#include <slurm/spank.h>
}

#include <cstring>
#include <iterator>
#include <string>
#include <vector>

// In C++ a const at namespace scope is internal: declared extern first, the loader finds them.
extern "C" {
extern const char plugin_name[];
extern const char plugin_type[];
extern const unsigned int plugin_version;
extern const unsigned int spank_plugin_version;
SPANK_PLUGIN(hpc, 1)
}

namespace {

using hpc::slurm::TaskOptions;

hpc::slurm::PluginSettings settings;
TaskOptions given;           // the job's own --hpc-* options
std::string first_word;      // the step's command as submitted, before slurmstepd resolves its path

int take_option(int key, const char* value, int /*remote*/);

// spank_option's strings are char* but never written.
char* text(const char* words) { return const_cast<char*>(words); }

enum OptionKey { image, bind, env, pwd, network, writable_tmpfs, nv, rocm, stage };

// The names match set_option()'s keys after the "hpc-" prefix.
struct spank_option options[] = {
    {text("hpc-image"), text("IMAGE"),
     text("run every task in this image (SIF, squashfs or directory) with hpc"), 1, image, take_option},
    {text("hpc-bind"), text("SRC[:DST[:ro|rw]]"),
     text("bind host paths into the image, comma-separated"), 1, bind, take_option},
    {text("hpc-env"), text("NAME=VALUE"),
     text("set variables in the container, comma-separated"), 1, env, take_option},
    {text("hpc-pwd"), text("DIR"), text("the working directory in the container"),
     1, pwd, take_option},
    {text("hpc-network"), text("MODE"),
     text("host (default), none or slirp"), 1, network, take_option},
    {text("hpc-writable-tmpfs"), nullptr, text("a writable tmpfs over the image"), 0,
     writable_tmpfs, take_option},
    {text("hpc-nv"), nullptr,
     text("bind the node's NVIDIA driver and GPUs into the container, as hpc exec --nv"), 0, nv,
     take_option},
    {text("hpc-rocm"), nullptr,
     text("bind the node's AMD ROCm driver and GPUs into the container, as hpc exec --rocm"), 0,
     rocm, take_option},
    {text("hpc-stage"), nullptr,
     text("copy the image to node-local storage first (the site's prolog does it)"), 0, stage,
     take_option},
};

int take_option(int key, const char* value, int /*remote*/) {
    static constexpr const char* keys[] = {"image", "bind", "env", "pwd", "network",
                                           "writable-tmpfs", "nv", "rocm", "stage"};
    static_assert(std::size(keys) == std::size(options), "one key for each option, in OptionKey's order");
    hpc::slurm::set_option(given, keys[key], value ? value : "");
    return 0;
}

TaskOptions requested() { return hpc::slurm::merge(settings.defaults, given); }

// The step runs the user's command itself: the extern step and an interactive step do not.
bool is_task_step(spank_t spank) {
    uint32_t step = 0;
    if (spank_get_item(spank, S_JOB_STEPID, &step) != ESPANK_SUCCESS) return false;
    return step != SLURM_EXTERN_CONT && step != SLURM_INTERACTIVE_STEP;
}

bool is_batch_step(spank_t spank) {
    uint32_t step = 0;
    return spank_get_item(spank, S_JOB_STEPID, &step) == ESPANK_SUCCESS && step == SLURM_BATCH_SCRIPT;
}

}  // namespace

extern "C" int slurm_spank_init(spank_t spank, int argc, char** argv) {
    try {
        settings = hpc::slurm::parse_plugin_arguments(std::vector<std::string>(argv, argv + argc), HPC_INSTALLED_BINARY);
    } catch (const hpc::Error& error) {
        slurm_error("hpc: %s", error.what());
        return -1;
    }
    for (spank_option& option : options)
        if (spank_err_t refused = spank_option_register(spank, &option); refused != ESPANK_SUCCESS) {
            slurm_error("hpc: cannot register the option --%s with Slurm: %s", option.name, spank_strerror(refused));
            return -1;
        }
    return 0;
}

// In srun and sbatch: the prolog and epilog learn the job's image (as SPANK_HPC_IMAGE) and
// whether to stage it.
extern "C" int slurm_spank_init_post_opt(spank_t spank, int /*argc*/, char** /*argv*/) {
    spank_context_t context = spank_context();
    if (context != S_CTX_LOCAL && context != S_CTX_ALLOCATOR) return 0;
    TaskOptions options = requested();
    if (options.image.empty()) return 0;
    spank_job_control_setenv(spank, "HPC_IMAGE", options.image.c_str(), 1);
    if (options.stage) spank_job_control_setenv(spank, "HPC_STAGE", "1", 1);
    return 0;
}

// In slurmstepd, before the tasks fork: the command as srun sent it (slurmstepd later replaces
// a bare name by the host's path for it, which the image need not have).
extern "C" int slurm_spank_user_init(spank_t spank, int /*argc*/, char** /*argv*/) {
    int count = 0;
    char** words = nullptr;
    if (spank_get_item(spank, S_JOB_ARGV, &count, &words) == ESPANK_SUCCESS && count > 0 && words[0])
        first_word = words[0];
    return 0;
}

// In each task, as the user, just before slurmstepd's execve of the task's command.
extern "C" int slurm_spank_task_init(spank_t spank, int /*argc*/, char** /*argv*/) {
    TaskOptions options = requested();
    if (options.image.empty() || !is_task_step(spank)) return 0;
    int count = 0;
    char** words = nullptr;
    if (spank_get_item(spank, S_JOB_ARGV, &count, &words) != ESPANK_SUCCESS || count < 1 || !words[0]) {
        slurm_error("hpc: the task has no command to run in %s", options.image.c_str());
        return -1;
    }
    std::string command = first_word.empty() ? words[0] : first_word;
    if (is_batch_step(spank)) {
        options.batch_script = words[0];
        command = words[0];
    }
    try {
        std::string task = hpc::slurm::encode_task(options, command);
        if (spank_err_t refused = spank_setenv(spank, hpc::slurm::task_variable, task.c_str(), 1);
            refused != ESPANK_SUCCESS) {
            slurm_error("hpc: cannot set %s for the task: %s", hpc::slurm::task_variable, spank_strerror(refused));
            return -1;
        }
    } catch (const hpc::Error& error) {
        slurm_error("hpc: %s", error.what());
        return -1;
    }
    // This process is the task's own (forked for it): the copy is never freed, it is exec'd.
    words[0] = ::strdup(settings.hpc.c_str());
    return 0;
}
