#include "sandbox/plan/visible_gpus.hpp"

#include "common/environ.hpp"
#include "common/error.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <charconv>

namespace hpc::sandbox {
namespace {

// The variables that choose GPUs, first found first. NVIDIA_VISIBLE_DEVICES is the container
// toolkit's (CUDA ignores it). In a Slurm job, SLURM_STEP_GPUS (a step's) or SLURM_JOB_GPUS (the
// batch script's) names the GPUs Slurm gave it in the node's numbering, where the runtime's
// variable may not: under ConstrainDevices Slurm numbers CUDA_VISIBLE_DEVICES from 0 within the
// job. The runtime's own variable comes last.
struct Selector {
    const char* name;
    bool from_slurm = false;
};

// The variable the vendor's runtime reads, which names GPUs as it numbers those it can open.
const char* runtime_variable(gpu::Vendor vendor) {
    return vendor == gpu::Vendor::nvidia ? "CUDA_VISIBLE_DEVICES" : "ROCR_VISIBLE_DEVICES";
}

std::vector<Selector> selectors(gpu::Vendor vendor) {
    std::vector<Selector> list;
    if (vendor == gpu::Vendor::nvidia) list.push_back({"NVIDIA_VISIBLE_DEVICES"});
    list.push_back({"SLURM_STEP_GPUS", true});
    list.push_back({"SLURM_JOB_GPUS", true});
    list.push_back({runtime_variable(vendor)});
    return list;
}

std::vector<std::string_view> items_of(std::string_view list) {
    std::vector<std::string_view> items;
    while (true) {
        size_t comma = std::min(list.find(','), list.size());
        std::string_view item = trim(list.substr(0, comma));
        if (!item.empty()) items.push_back(item);
        if (comma == list.size()) return items;
        list = list.substr(comma + 1);
    }
}

std::optional<unsigned> index_of(std::string_view item) {
    unsigned index = 0;
    auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), index);
    if (error != std::errc() || end != item.data() + item.size()) return std::nullopt;
    return index;
}

std::string what_the_node_has(const std::vector<gpu::Gpu>& gpus) {
    if (gpus.empty()) return "this node has no GPU";
    if (gpus.size() == 1) return "this node has GPU 0 alone";
    return "this node has GPUs 0-" + std::to_string(gpus.size() - 1);
}

// The GPU an item names: its index, or its UUID or a prefix of it that fits one GPU alone.
const gpu::Gpu& named_gpu(const std::vector<gpu::Gpu>& gpus, std::string_view item, const std::string& variable) {
    auto fail = [&](const std::string& cause) -> const gpu::Gpu& {
        throw Error(ExitCode::usage, variable + " names " + std::string(item) + ", but " + cause);
    };
    if (std::optional<unsigned> index = index_of(item)) {
        if (*index >= gpus.size()) return fail(what_the_node_has(gpus));
        return gpus[*index];
    }
    const gpu::Gpu* found = nullptr;
    for (const gpu::Gpu& gpu : gpus)
        if (!gpu.uuid.empty() && gpu.uuid.starts_with(item)) {
            if (found) return fail("more than one of this node's GPUs has a UUID that starts so");
            found = &gpu;
        }
    if (!found) return fail("no GPU of this node has that UUID");
    return *found;
}

}  // namespace

VisibleGpus visible_gpus(gpu::Vendor vendor, const std::vector<gpu::Gpu>& gpus, const std::vector<std::string>& environ) {
    VisibleGpus visible;
    for (const Selector& selector : selectors(vendor)) {
        std::optional<std::string_view> value = environ_value(environ, selector.name);
        if (!value) continue;
        std::string_view list = trim(*value);
        if (list == "all") break;
        if (list.empty() || list == "none" || list == "void") return visible;
        std::vector<std::string_view> items = items_of(list);
        if (std::any_of(items.begin(), items.end(), [](std::string_view item) { return item.starts_with("MIG-"); })) {
            visible.warnings.push_back(std::string(selector.name) + " names a MIG instance, which hpc cannot tell "
                                       "from its GPU: every GPU of the node is shown");
            break;
        }
        std::vector<unsigned> chosen;  // indexes, in the variable's order
        for (std::string_view item : items) {
            unsigned index = named_gpu(gpus, item, selector.name).index;
            if (std::find(chosen.begin(), chosen.end(), index) == chosen.end()) chosen.push_back(index);
        }
        for (const gpu::Gpu& gpu : gpus)
            if (std::find(chosen.begin(), chosen.end(), gpu.index) != chosen.end()) visible.gpus.push_back(gpu);
        bool by_index = std::all_of(items.begin(), items.end(), [](std::string_view item) { return index_of(item); });
        // The runtime's variable is renumbered when it named these GPUs by their node indexes:
        // it chose them, or it is Slurm's list again (a job without ConstrainDevices). Under
        // ConstrainDevices it numbers the job's GPUs from 0 already, as the container will.
        const char* runtime = runtime_variable(vendor);
        bool renumber = std::string_view(selector.name) == runtime ||
                        (selector.from_slurm && items_of(trim(environ_value(environ, runtime).value_or(""))) == items);
        if (renumber && by_index) {
            // Each chosen GPU's place among those the container has, in the variable's order.
            std::vector<unsigned> sorted = chosen;
            std::sort(sorted.begin(), sorted.end());
            std::string renumbered;
            for (unsigned index : chosen) {
                auto place = std::find(sorted.begin(), sorted.end(), index) - sorted.begin();
                renumbered += (renumbered.empty() ? "" : ",") + std::to_string(place);
            }
            visible.renumbered = {runtime, renumbered};
        }
        return visible;
    }
    visible.gpus = gpus;
    return visible;
}

}  // namespace hpc::sandbox
