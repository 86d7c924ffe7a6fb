#include "gpu/cdi_resolution.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"
#include "gpu/cdi_nvidia_hooks.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace hpc::gpu {
namespace {

// Where a device is defined; `conflict` names a second spec of the same directory.
struct Definition {
    const CdiSpec* spec = nullptr;
    const CdiSpecDevice* device = nullptr;
    std::size_t directory = 0;
    const CdiSpec* conflict = nullptr;
};

std::map<std::string, Definition> definitions(const std::vector<CdiDirectory>& directories) {
    std::map<std::string, Definition> defined;
    for (std::size_t index = 0; index < directories.size(); ++index)
        for (const CdiSpec& spec : directories[index].specs)
            for (const CdiSpecDevice& device : spec.devices) {
                Definition& definition = defined[spec.kind() + "=" + device.name];
                if (definition.spec != nullptr && definition.directory == index && definition.conflict == nullptr)
                    definition.conflict = &spec;
                else if (definition.spec == nullptr || definition.directory < index)
                    definition = {&spec, &device, index, nullptr};
            }
    return defined;
}

[[noreturn]] void no_definition(const CdiDeviceName& name, const std::vector<CdiDirectory>& directories,
                                const std::map<std::string, Definition>& defined) {
    std::string message = "no CDI spec in ";
    for (std::size_t i = 0; i < directories.size(); ++i) message += (i == 0 ? "" : ", ") + directories[i].path;
    message += " defines " + name.qualified();
    // What the kind has, so that a mistyped name shows the right ones; the first few only.
    std::string known;
    std::size_t count = 0;
    std::string prefix = name.kind() + "=";
    for (auto it = defined.lower_bound(prefix); it != defined.end() && it->first.starts_with(prefix); ++it, ++count)
        if (count < 8) known += (count == 0 ? "" : ", ") + it->first.substr(prefix.size());
    if (count > 8) known += ", ...";
    if (count > 0) message += " (" + name.kind() + " has " + known + ")";
    throw Error(ExitCode::no_input, message);
}

const char* type_name(HostNode::Type type) {
    switch (type) {
    case HostNode::Type::character: return "a character device";
    case HostNode::Type::block: return "a block device";
    case HostNode::Type::fifo: return "a FIFO";
    case HostNode::Type::other: break;
    }
    return "not a device node";
}

// The node's type that the spec's OCI type letter asks for ("" asks for none).
std::optional<HostNode::Type> spec_type(const std::string& type) {
    if (type == "c" || type == "u") return HostNode::Type::character;  // u: unbuffered, a character device too
    if (type == "b") return HostNode::Type::block;
    if (type == "p") return HostNode::Type::fifo;
    return std::nullopt;
}

std::string device_numbers(std::int64_t major, std::int64_t minor) {
    return std::to_string(major) + ":" + std::to_string(minor);
}

// Applies one containerEdits, `label` the device or kind it is of, to `edits`.
class EditsApplier {
public:
    EditsApplier(CdiEdits& edits, const StatHostNode& stat_node) : edits_(edits), stat_node_(stat_node) {}

    void apply(const CdiContainerEdits& from, const std::string& file, const std::string& label) {
        std::string where = file + ": " + label + ": ";
        if (std::any_of(from.additional_gids.begin(), from.additional_gids.end(), [](std::uint32_t gid) { return gid != 0; }))
            deny(where + "additionalGids", "add groups to the payload");
        if (from.intel_rdt) deny(where + "intelRdt", "set a resctrl class of service");
        if (from.net_devices != 0) deny(where + "netDevices", "move network interfaces into the container");
        for (const CdiSpecHook& hook : from.hooks) apply_hook(hook, file, where);
        for (const CdiSpecMount& mount : from.mounts) apply_mount(mount, where);
        for (const CdiSpecDeviceNode& node : from.device_nodes) apply_device_node(node, where);
        for (const std::string& entry : from.env) set_env(entry);
    }

private:
    [[noreturn]] static void deny(const std::string& where, const std::string& what) {
        throw Error(ExitCode::denied, where + ": hpc cannot " + what + " without privilege");
    }

    void apply_hook(const CdiSpecHook& hook, const std::string& file, const std::string& where) {
        std::optional<NvidiaHookEdits> hook_edits;
        try {
            hook_edits = nvidia_hook_edits(hook.args);
        } catch (const Error& error) {
            throw error.within(file + ":" + std::to_string(hook.line));
        }
        if (!hook_edits) deny(where + "hooks", "run the " + hook.hook_name + " hook " + printable(hook.path));
        for (std::string& directory : hook_edits->library_directories)
            if (std::find(edits_.library_directories.begin(), edits_.library_directories.end(), directory) ==
                edits_.library_directories.end())
                edits_.library_directories.push_back(std::move(directory));
        for (CdiSymlink& symlink : hook_edits->symlinks) {
            auto same = std::find_if(edits_.symlinks.begin(), edits_.symlinks.end(),
                                     [&](const CdiSymlink& earlier) { return earlier.link == symlink.link; });
            if (same != edits_.symlinks.end())
                *same = std::move(symlink);
            else
                edits_.symlinks.push_back(std::move(symlink));
        }
    }

    // A bind of a host path, or a new tmpfs: the two mounts a user namespace may make of
    // these. A bind's options other than "ro" are not applied one by one: nosuid is moot, the
    // payload running with no_new_privs; a bind keeps the flags of the host's mount it comes
    // from (nodev, noexec...), which a user namespace cannot loosen; and the propagation ones
    // (rprivate...) are hpc's own, every mount of the container being private to it.
    void apply_mount(const CdiSpecMount& mount, const std::string& where) {
        const std::vector<std::string>& options = mount.options;
        auto has = [&](std::string_view option) { return std::find(options.begin(), options.end(), option) != options.end(); };
        CdiMount made;
        made.container_path = mount.container_path;
        made.read_only = has("ro");
        if (mount.type.empty() || mount.type == "bind" || has("bind") || has("rbind")) {
            if (!mount.host_path.starts_with('/'))
                throw Error(ExitCode::data, where + "mounts: " + quoted_printable(mount.host_path, 100) +
                                                " is not an absolute path to bind");
            made.host_path = mount.host_path;
        } else if (mount.type == "tmpfs") {
            // tmpfs takes its data as KEY=VALUE (size=, mode=, nr_inodes=...); the rest of the
            // options are flags, "ro" as above.
            made.tmpfs = true;
            for (const std::string& option : options)
                if (option.find('=') != std::string::npos) made.options += (made.options.empty() ? "" : ",") + option;
        } else {
            deny(where + "mounts", "mount a " + printable(mount.type) + " file system at " + printable(mount.container_path));
        }
        std::erase_if(edits_.mounts, [&](const CdiMount& earlier) { return earlier.container_path == made.container_path; });
        edits_.mounts.push_back(std::move(made));
    }

    // The host's node is bound at the container's path: a user namespace cannot make a
    // device node (mknod needs CAP_MKNOD in the host's namespace), nor change the mode or
    // owner of one it does not own, so the spec must describe the node the host has. The
    // cgroup `permissions` are not applied: hpc's user cannot write the host's device cgroup,
    // which stands for the payload as for every other process of the user's.
    void apply_device_node(const CdiSpecDeviceNode& node, const std::string& where) {
        std::string host_path = node.host_path.empty() ? node.path : node.host_path;
        std::string prefix = where + "deviceNodes: " + printable(host_path);
        std::optional<HostNode> host = stat_node_(host_path);
        if (!host) throw Error(ExitCode::unavailable, prefix + ": the host has no such device node");
        if (host->type == HostNode::Type::other) throw Error(ExitCode::unavailable, prefix + " is not a device node on the host");
        auto mismatch = [&](const std::string& host_has, const std::string& spec_says, const std::string& what) {
            throw Error(ExitCode::unavailable, prefix + " is " + host_has + " on the host, not " + spec_says +
                                                   " as the spec says: hpc cannot " + what + " without privilege");
        };
        std::optional<HostNode::Type> type = spec_type(node.type);
        if (type && *type != host->type) mismatch(type_name(host->type), type_name(*type), "make device nodes");
        // CDI reads major 0 as "the host's numbers" (DeviceNode.fillMissingInfo); a FIFO has none.
        bool numbered = host->type != HostNode::Type::fifo && node.major != 0;
        if (numbered && (node.major != host->major || node.minor != host->minor))
            mismatch(device_numbers(host->major, host->minor), device_numbers(node.major, node.minor), "make device nodes");
        if (node.file_mode && (*node.file_mode & 07777) != host->mode)
            mismatch("mode " + octal_mode(host->mode), "mode " + octal_mode(*node.file_mode), "change a device node's mode");
        if (node.uid && *node.uid != host->uid)
            mismatch("owned by uid " + std::to_string(host->uid), "uid " + std::to_string(*node.uid), "change a device node's owner");
        if (node.gid && *node.gid != host->gid)
            mismatch("of gid " + std::to_string(host->gid), "gid " + std::to_string(*node.gid), "change a device node's group");
        std::erase_if(edits_.device_nodes, [&](const CdiDeviceNode& earlier) { return earlier.container_path == node.path; });
        edits_.device_nodes.push_back({host_path, node.path});
    }

    void set_env(const std::string& entry) {
        std::string_view name = std::string_view(entry).substr(0, entry.find('='));
        auto same = std::find_if(edits_.env.begin(), edits_.env.end(), [&](const std::string& earlier) {
            return earlier.size() > name.size() && earlier.starts_with(name) && earlier[name.size()] == '=';
        });
        if (same != edits_.env.end())
            *same = entry;
        else
            edits_.env.push_back(entry);
    }

    CdiEdits& edits_;
    const StatHostNode& stat_node_;
};

}  // namespace

CdiDeviceName parse_cdi_device_name(std::string_view text) {
    std::size_t slash = text.find('/');
    std::size_t equals = text.find('=');
    CdiDeviceName name;
    if (slash != std::string_view::npos && equals != std::string_view::npos && slash < equals) {
        name.vendor = text.substr(0, slash);
        name.device_class = text.substr(slash + 1, equals - slash - 1);
        name.name = text.substr(equals + 1);
    }
    if (!is_cdi_vendor_or_class(name.vendor) || !is_cdi_vendor_or_class(name.device_class) ||
        !is_cdi_device_name(name.name))
        throw Error(ExitCode::usage, quoted_printable(text, 100) +
                                         " is not a CDI device name, VENDOR/CLASS=NAME as in nvidia.com/gpu=0");
    return name;
}

CdiEdits resolve_cdi_devices(const std::vector<std::string>& names, const std::vector<CdiDirectory>& directories,
                             const StatHostNode& stat_node) {
    std::vector<CdiDeviceName> asked;
    for (const std::string& text : names) {
        CdiDeviceName name = parse_cdi_device_name(text);
        if (std::none_of(asked.begin(), asked.end(), [&](const CdiDeviceName& earlier) { return earlier.qualified() == name.qualified(); }))
            asked.push_back(std::move(name));
    }
    std::map<std::string, Definition> defined = definitions(directories);
    CdiEdits edits;
    EditsApplier applier(edits, stat_node);
    std::set<const CdiSpec*> specs_applied;
    for (const CdiDeviceName& name : asked) {
        auto found = defined.find(name.qualified());
        if (found == defined.end()) no_definition(name, directories, defined);
        const Definition& definition = found->second;
        if (definition.conflict != nullptr)
            throw Error(ExitCode::data, definition.spec->file_name + " and " + definition.conflict->file_name +
                                            " both define " + name.qualified() + ", in the same directory: neither is used");
        if (specs_applied.insert(definition.spec).second)
            applier.apply(definition.spec->edits, definition.spec->file_name, definition.spec->kind());
        applier.apply(definition.device->edits, definition.spec->file_name, name.qualified());
        edits.devices.push_back(name.qualified());
    }
    return edits;
}

}  // namespace hpc::gpu
