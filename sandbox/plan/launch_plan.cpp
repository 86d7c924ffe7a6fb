#include "sandbox/plan/launch_plan.hpp"

#include <cstdio>
#include <sstream>

namespace hpc::sandbox {
namespace {

std::string describe_maps(const std::vector<IdMap>& maps) {
    std::string text;
    for (const IdMap& map : maps) {
        if (!text.empty()) text += ", ";
        text += std::to_string(map.outside) + " as " + std::to_string(map.inside);
        if (map.count > 1) text += " (" + std::to_string(map.count) + " ids)";
    }
    return text;
}

std::string describe_image(const ImageMount& image) {
    std::string text = image.path + " (" + image.format;
    if (image.offset != 0) text += " partition at byte " + std::to_string(image.offset);
    text += image.file_system == ImageMount::FileSystem::squashfs ? ", served by hpc" : ", served by fuse2fs";
    return text + (image.writable ? ", writable)" : ", read-only)");
}

std::string describe_root(const RootPlan& root) {
    std::string text = root.source == RootPlan::Source::squashfs ? "squashfs served by hpc" : "directory " + root.directory;
    if (root.writable) text += ", writable";
    // The layers bottom up, as they were given.
    for (const OverlayLayer& layer : root.layers) {
        text += ", overlay " + (layer.image ? "image " + std::to_string(*layer.image) : layer.directory);
        text += layer.writable ? " (writable: upper/, work/)" : " (read-only)";
    }
    if (root.overlay)
        text += ", writable tmpfs overlay";
    else if (!root.takes_writes())
        text += ", read-only";
    return text;
}

std::string describe_step(const MountStep& step) {
    std::string text;
    switch (step.kind) {
    case MountKind::bind:
        text = "bind " + step.source + " -> " + step.target;
        break;
    case MountKind::tmpfs:
        text = "tmpfs " + step.target + (step.options.empty() ? "" : " (" + step.options + ")");
        break;
    case MountKind::devpts:
        text = "devpts " + step.target + " (new instance)";
        break;
    case MountKind::proc:
        text = "proc " + step.target + " (new, for the PID namespace)";
        break;
    case MountKind::file:
        text = "file " + step.target + " (" + std::to_string(step.content.size()) + " bytes)";
        break;
    case MountKind::symlink:
        text = "symlink " + step.target + " -> " + step.source;
        break;
    case MountKind::image:
        text = "bind image " + std::to_string(step.image) + ":" + step.source + " -> " + step.target;
        break;
    case MountKind::work_directory: {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", step.mode & 07777);
        text = "bind " + step.source + "/" + step.subdirectory + " -> " + step.target + " (made if missing, mode " +
               mode + ")";
        break;
    }
    }
    if (step.read_only) text += " ro";
    if (step.optional) text += " [if present]";
    return text + "  # " + step.purpose;
}

std::string quoted(const std::string& word) {
    if (!word.empty() && word.find_first_of(" \t\n'\"\\$`") == std::string::npos) return word;
    std::string text = "'";
    for (char c : word) text += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return text + "'";
}

}  // namespace

std::string describe(const LaunchPlan& plan) {
    std::ostringstream out;
    out << "user namespace: uid " << describe_maps(plan.uid_map) << "; gid " << describe_maps(plan.gid_map) << "\n";
    if (plan.ownership_ignored) out << "ownership filter: chown and set*id succeed without effect\n";
    out << "image mount: " << (plan.share_mount ? "shared with this user's other launches of it" : "private");
    if (!plan.share_scope.empty()) out << " in " << plan.share_scope;
    if (plan.share_mount && plan.share_linger_seconds > 0)
        out << ", its server staying " << plan.share_linger_seconds << " s after the last launch";
    out << "\n";
    out << "namespaces: user, mount";
    if (plan.namespaces.ipc) out << ", ipc";
    if (plan.namespaces.pid)
        out << ", pid"
            << (plan.namespaces.instance ? " (hpc as the instance's init)"
                : plan.namespaces.init   ? " (hpc as init)"
                                         : " (payload as init)");
    if (plan.network.mode != NetworkMode::host) out << ", network";
    if (!plan.network.hostname.empty()) out << ", uts (hostname " << plan.network.hostname << ")";
    out << "\n";
    out << "network: " << name_of(plan.network.mode);
    for (const PortMap& map : plan.network.port_maps)
        out << ", host port " << map.host_port << " to " << map.container_port << "/" << map.protocol;
    out << "\n";
    for (std::size_t index = 0; index < plan.images.size(); ++index)
        out << "image " << index << ": " << describe_image(plan.images[index]) << "  # " << plan.images[index].purpose
            << "\n";
    out << "root: " << describe_root(plan.root) << "\n";
    out << "mounts:\n";
    for (const MountStep& step : plan.mounts) out << "  " << describe_step(step) << "\n";
    if (!plan.terminal.empty()) out << "terminal: " << plan.terminal << " (descriptors 0-2 on it opened there again)\n";
    out << "working directory:";
    for (const std::string& directory : plan.working_directories) out << " " << directory;
    out << (plan.working_directory_required ? " (required)" : "") << "\n";
    out << "command:";
    const std::vector<std::string>& argv = plan.command.argv;
    // Through the shell, argv is [sh, -c, script, hpc, args...]: show the command, not the script.
    std::size_t first = plan.command.via_shell ? 4 : 0;
    for (std::size_t index = first; index < argv.size(); ++index) out << " " << quoted(argv[index]);
    if (plan.command.via_shell)
        out << "  # through " << argv.front() << " and hpc's action script (" << argv[2].size() << " bytes)";
    out << "\n";
    if (plan.command.umask) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", *plan.command.umask & 07777);
        out << "umask: " << mode << "\n";
    }
    if (plan.command.no_capabilities) out << "capabilities: none (bounding set emptied)\n";
    out << "environment:\n";
    for (const std::string& variable : plan.command.envp) out << "  " << variable << "\n";
    return out.str();
}

MountStep bind_step(const std::string& source, const std::string& target, bool read_only, std::string purpose) {
    MountStep step;
    step.kind = MountKind::bind;
    step.source = source;
    step.target = target;
    step.read_only = read_only;
    step.purpose = std::move(purpose);
    return step;
}

MountStep tmpfs_step(const std::string& target, std::string options, std::string purpose, bool read_only) {
    MountStep step;
    step.kind = MountKind::tmpfs;
    step.target = target;
    step.read_only = read_only;
    step.options = std::move(options);
    step.purpose = std::move(purpose);
    return step;
}

}  // namespace hpc::sandbox
