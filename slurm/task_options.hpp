// What a Slurm task asks of hpc: the SPANK plugin's options (--hpc-image, --hpc-bind, ...),
// carried from the plugin in slurmstepd to hpc in the task's environment.
//
// The plugin cannot add words to the task's command line (slurmstepd owns that array), so it
// replaces the command's path with hpc's and puts everything else in HPC_SLURM_TASK: the
// options and the command's own first word, one "key=value" per line. hpc reads the variable,
// removes it, and runs `hpc exec [options] IMAGE COMMAND ARGS...` (cmd/slurm_task.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::slurm {

inline constexpr const char* task_variable = "HPC_SLURM_TASK";

struct TaskOptions {
    std::string image;                // --hpc-image
    std::vector<std::string> binds;   // --hpc-bind, each "src[:dst[:ro|rw]][,...]" as -B takes it
    std::vector<std::string> env;     // --hpc-env, each "NAME=VALUE[,...]" as --env takes it
    std::string pwd;                  // --hpc-pwd
    std::string network;              // --hpc-network
    bool writable_tmpfs = false;      // --hpc-writable-tmpfs
    bool nv = false;                  // --hpc-nv: the node's NVIDIA driver and GPUs, as hpc exec --nv
    bool rocm = false;                // --hpc-rocm: the node's AMD ROCm driver and GPUs, as --rocm
    bool stage = false;               // --hpc-stage: the prolog copies the image to the node
    std::string batch_script;         // the batch step's script, bound where slurmstepd wrote it

    bool operator==(const TaskOptions&) const = default;
};

// The options laid over an admin's defaults: a value given replaces the default, binds and
// variables add to the defaults', flags are on when either sets them.
TaskOptions merge(const TaskOptions& defaults, const TaskOptions& given);

// Sets the option named `key` ("image", "bind", "env", "pwd", "network", "writable-tmpfs",
// "nv", "rocm", "stage", "batch-script") from `value`; false for a key it does not know. Flags take any value.
bool set_option(TaskOptions& options, std::string_view key, std::string value);

// HPC_SLURM_TASK's value for `options` and the task's first word. Throws hpc::Error(usage)
// for a value with a newline (it could not be read back).
std::string encode_task(const TaskOptions& options, const std::string& command);

struct Task {
    TaskOptions options;
    std::string command;

    bool operator==(const Task&) const = default;
};

// The inverse of encode_task. Throws hpc::Error(usage) for a line it does not know, so that a
// plugin and an hpc of different versions fail loudly instead of dropping an option.
Task decode_task(std::string_view value);

// hpc's command line for the task, from the word after "hpc": exec, the options, the image,
// the command; the task's own arguments follow.
std::vector<std::string> exec_arguments(const Task& task);

}  // namespace hpc::slurm
