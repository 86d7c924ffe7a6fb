// Which of a node's GPUs a contained launch (--contain, --containall) shows: those the job's
// variables name, as NVIDIA's container toolkit and the vendors' runtimes read them.
#pragma once

#include "gpu/host_gpu.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hpc::sandbox {

struct VisibleGpus {
    std::vector<gpu::Gpu> gpus;  // the chosen, in the node's order
    // The variable that chose them, as the payload must see it, when it chose by index: the
    // runtime numbers the GPUs it can open from 0, so CUDA_VISIBLE_DEVICES=2 on the host is
    // CUDA_VISIBLE_DEVICES=0 in a container that has the node's GPU 2 alone.
    std::optional<std::pair<std::string, std::string>> renumbered;
    std::vector<std::string> warnings;
};

// For NVIDIA, NVIDIA_VISIBLE_DEVICES; else, in a Slurm job, SLURM_STEP_GPUS or SLURM_JOB_GPUS
// (the node's GPUs Slurm gave the job, whatever CUDA_VISIBLE_DEVICES says under ConstrainDevices);
// else CUDA_VISIBLE_DEVICES. For AMD, Slurm's, else ROCR_VISIBLE_DEVICES. Unset or "all": every
// GPU; "none", "void" or "": none; else a comma list of indexes (the node's numbering,
// nvidia-smi's and rocm-smi's) and UUIDs ("GPU-8f6c...", a unique prefix will do). A MIG
// instance ("MIG-...") cannot be told from its GPU without NVIDIA's library: every GPU is
// shown, with a warning. Throws hpc::Error(usage) for a GPU the node has not got, naming the
// variable and what the node has.
VisibleGpus visible_gpus(gpu::Vendor vendor, const std::vector<gpu::Gpu>& gpus, const std::vector<std::string>& environ);

}  // namespace hpc::sandbox
