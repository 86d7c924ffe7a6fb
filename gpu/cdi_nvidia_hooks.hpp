// The hooks NVIDIA's CDI specs carry, recognised by their arguments so that hpc can do what they
// would do without running them: a hook is a program run as the runtime, in the container's
// mount namespace before the payload starts, and hpc's user cannot run it with the privilege
// it expects. nvidia-ctk (github.com/NVIDIA/nvidia-container-toolkit, internal/discover/hooks.go)
// writes each as `nvidia-cdi-hook NAME FLAGS...` or, before version 1.16, `nvidia-ctk hook NAME
// FLAGS...`, both as args[0] and after it.
#pragma once

#include "gpu/cdi.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hpc::gpu {

// What one hook asks of the container, in hpc's terms.
struct NvidiaHookEdits {
    std::vector<std::string> library_directories;  // update-ldcache's --folder
    std::vector<CdiSymlink> symlinks;              // create-symlinks' --link TARGET::LINK

    bool operator==(const NvidiaHookEdits&) const = default;
};

// The edits of the hook whose argv is `args`: empty for a hook hpc has no need of (chmod,
// disable-device-node-modification, enable-cuda-compat, update-application-profile: why,
// with each in the .cpp); nullopt for any other hook, or one of these with an argument hpc
// does not know, which the caller refuses. Throws hpc::Error(data) for a --link that is not
// TARGET::LINK or an empty --folder.
std::optional<NvidiaHookEdits> nvidia_hook_edits(const std::vector<std::string>& args);

}  // namespace hpc::gpu
