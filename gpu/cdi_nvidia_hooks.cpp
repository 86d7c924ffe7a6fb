#include "gpu/cdi_nvidia_hooks.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace hpc::gpu {
namespace {

// The hooks that need nothing of hpc, and why each is safe to leave out.
constexpr std::array<std::string_view, 4> hooks_without_edits = {
    // chmod sets the mode of directories the runtime made for device nodes (/dev/dri, which
    // old crun made too strict; nvidia-ctk no longer writes it by default). hpc binds the
    // host's own nodes, under directories it makes itself; and a user namespace could not
    // chmod a host node its user does not own anyway.
    "chmod",
    // disable-device-node-modification binds over /proc/driver/nvidia/params a copy saying
    // "ModifyDeviceFiles: 0", so that libnvidia-ml and nvidia-smi in a privileged container do
    // not make or change /dev/nvidia* nodes. hpc's payload cannot: making a device node needs
    // CAP_MKNOD in the host's user namespace, which it never has, and the nodes it sees are
    // the host's, bound read as they are.
    "disable-device-node-modification",
    // enable-cuda-compat writes /etc/ld.so.conf.d/00-compat-*.conf in the container, naming
    // the image's /usr/local/cuda/compat when the libcuda there is newer than the host's
    // driver (CUDA forward compatibility), and update-ldcache's ldconfig then prefers it. hpc
    // rewrites no ld.so.cache of the image and puts the host's driver first; like Apptainer's
    // --nv it leaves forward compatibility to the user (LD_LIBRARY_PATH=/usr/local/cuda/compat).
    "enable-cuda-compat",
    // update-application-profile writes a driver application profile in the container's /etc
    // setting EGLVisibleDGPUDevices to the GPUs whose nodes the container has, so that EGL and
    // Vulkan do not list the node's other GPUs. Left out, they may list them, but cannot use
    // them: their device nodes are not in the container. nvidia-ctk 1.20 writes this hook into
    // every spec; refusing it would refuse every new spec for the sake of what EGL lists.
    "update-application-profile",
};

// Global flags of nvidia-cdi-hook, before the hook's name: logging alone.
constexpr std::array<std::string_view, 3> global_flags = {"--debug", "-d", "--quiet"};

// "--name value" or "--name=value" (urfave/cli's forms, one dash or two) at args[index]:
// the name without dashes and its value, and the index of the next argument; nullopt when
// args[index] is not a flag or its value is missing.
struct Flag {
    std::string_view name;
    std::string_view value;
    std::size_t next = 0;
};

std::optional<Flag> flag_at(const std::vector<std::string>& args, std::size_t index) {
    std::string_view arg = args[index];
    if (!arg.starts_with('-')) return std::nullopt;
    arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
    std::size_t equals = arg.find('=');
    if (equals != std::string_view::npos) return Flag{arg.substr(0, equals), arg.substr(equals + 1), index + 1};
    if (index + 1 >= args.size()) return std::nullopt;
    return Flag{arg, args[index + 1], index + 2};
}

}  // namespace

std::optional<NvidiaHookEdits> nvidia_hook_edits(const std::vector<std::string>& args) {
    if (args.empty()) return std::nullopt;
    std::string_view program = args[0];
    program = program.substr(program.rfind('/') == std::string_view::npos ? 0 : program.rfind('/') + 1);
    std::size_t index = 1;
    if (program == "nvidia-ctk" && args.size() > 1 && args[1] == "hook")
        index = 2;
    else if (program != "nvidia-cdi-hook")
        return std::nullopt;
    while (index < args.size() && std::find(global_flags.begin(), global_flags.end(), args[index]) != global_flags.end())
        ++index;
    if (index >= args.size()) return std::nullopt;
    const std::string& hook = args[index];
    if (std::find(hooks_without_edits.begin(), hooks_without_edits.end(), hook) != hooks_without_edits.end())
        return NvidiaHookEdits{};
    if (hook != "update-ldcache" && hook != "create-symlinks") return std::nullopt;

    NvidiaHookEdits edits;
    for (index = index + 1; index < args.size();) {
        std::optional<Flag> flag = flag_at(args, index);
        if (!flag) return std::nullopt;
        index = flag->next;
        // --container-spec names the OCI state to read, for testing; the hook itself reads
        // the runtime's from its standard input, which hpc has not got to give.
        if (flag->name == "container-spec") return std::nullopt;
        if (hook == "update-ldcache" && flag->name == "folder") {
            if (flag->value.empty()) throw Error(ExitCode::data, "update-ldcache: --folder is empty");
            edits.library_directories.emplace_back(flag->value);
        } else if (hook == "update-ldcache" && flag->name == "ldconfig-path") {
            // The ldconfig the hook would run; hpc runs none (LD_LIBRARY_PATH does its work).
        } else if (hook == "create-symlinks" && flag->name == "link") {
            std::size_t separator = flag->value.find("::");
            std::string_view target = flag->value.substr(0, separator);
            std::string_view link =
                separator == std::string_view::npos ? std::string_view() : flag->value.substr(separator + 2);
            if (target.empty() || link.empty() || link.find("::") != std::string_view::npos)
                throw Error(ExitCode::data,
                            "create-symlinks: --link " + quoted_printable(flag->value, 200) + " is not TARGET::LINK");
            edits.symlinks.push_back({std::string(target), std::string(link)});
        } else {
            return std::nullopt;
        }
    }
    return edits;
}

}  // namespace hpc::gpu
