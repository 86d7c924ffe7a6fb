// The SPANK plugin's arguments, from its plugstack.conf line: what an admin sets for every job.
//   optional /usr/local/lib/hpc/spank_hpc.so hpc=/usr/local/bin/hpc bind=/scratch network=host
// "hpc=PATH" is the hpc the tasks run; the others are the --hpc-* options' names without the
// prefix ("image", "bind", "env", "pwd", "network", "writable-tmpfs", "nv", "rocm", "stage"), and
// become defaults that a job's own options replace (binds and variables: add to; flags: a job
// cannot turn off). "nv" on a GPU partition's nodes gives every --hpc-image task the GPUs.
#pragma once

#include "slurm/task_options.hpp"

#include <string>
#include <vector>

namespace hpc::slurm {

struct PluginSettings {
    std::string hpc;  // absolute path
    TaskOptions defaults;

    bool operator==(const PluginSettings&) const = default;
};

// Throws hpc::Error(config) naming the argument: unknown, or hpc= not absolute.
PluginSettings parse_plugin_arguments(const std::vector<std::string>& arguments, std::string installed_hpc);

}  // namespace hpc::slurm
