#include "cmd/instance_entry.hpp"

#include "cmd/instance_lookup.hpp"
#include "cmd/planned_launch.hpp"
#include "cmd/report.hpp"
#include "common/error.hpp"
#include "sandbox/run/container_entry.hpp"
#include "sandbox/run/launcher.hpp"

#include <string>
#include <vector>

namespace hpc::cmd {
namespace {

constexpr std::string_view scheme = "instance://";

// The options a command given for an instance cannot apply: the instance made its container.
std::vector<std::string> container_options_given(const ActionOptions& options) {
    std::vector<std::pair<bool, const char*>> given = {
        {!options.binds.empty(), "--bind"},
        {!options.mounts.empty(), "--mount"},
        {!options.overlays.empty(), "--overlay"},
        {!options.home.empty() || options.no_home, "--home/--no-home"},
        {options.contain, "--contain"},
        {options.writable || options.writable_tmpfs, "--writable/--writable-tmpfs"},
        {options.fakeroot, "--fakeroot"},
        {options.pid || options.ipc, "--pid/--ipc"},
        {options.net || !options.network.empty() || !options.dns.empty() || options.hostname.has_value(),
         "--net/--network/--dns/--hostname"},
        {options.nv || options.rocm || !options.devices.empty(), "--nv/--rocm/--device"},
        {!options.mpi.empty(), "--mpi"},
        {!options.no_mount.empty(), "--no-mount"},
    };
    std::vector<std::string> names;
    for (const auto& [is_given, name] : given)
        if (is_given) names.emplace_back(name);
    return names;
}

// This command's own options for what runs (its environment, directory, shell), the instance's
// image and identity for the rest.
ActionOptions options_for(const ActionOptions& options, const instance::InstanceRecord& record) {
    ActionOptions joined;
    joined.env = options.env;
    joined.env_files = options.env_files;
    joined.no_env = options.no_env;
    joined.clean_env = options.clean_env || options.containall;
    joined.no_eval = options.no_eval;
    joined.no_umask = options.no_umask;
    joined.no_privs = options.no_privs;
    joined.pwd = options.pwd;
    joined.shell = options.shell;
    joined.app = options.app;  // the app is what runs: its environment and scripts
    joined.dry_run = options.dry_run;
    joined.verbose = options.verbose;
    joined.fakeroot = record.fakeroot;
    joined.no_share = true;
    joined.image_and_args = options.image_and_args;
    joined.image_and_args.front() = record.image;
    return joined;
}

}  // namespace

bool is_instance_reference(std::string_view image_word) { return image_word.starts_with(scheme); }

std::string instance_image(std::string_view image_word) {
    UniqueFd proc = open_proc();
    return running_instance(instances_of(), std::string(image_word.substr(scheme.size())), proc.get()).record.image;
}

int run_in_instance(const ActionOptions& options, sandbox::Action action) {
    std::string name = options.image_and_args.front().substr(scheme.size());
    UniqueFd proc = open_proc();
    instance::RunningInstance running = running_instance(instances_of(), name, proc.get());
    std::vector<std::string> ignored = container_options_given(options);
    if (!ignored.empty()) {
        std::string list;
        for (const std::string& option : ignored) list += (list.empty() ? "" : ", ") + option;
        report_warning("instance://" + name + " has its own mounts, namespaces and devices: " + list + " ignored");
    }
    // Planned against the instance's image for its environment scripts and runscript.
    PlannedLaunch launch(options_for(options, running.record), action);
    if (!launch.announce(options)) return 0;
    sandbox::ContainerEntry container = sandbox::open_container(running.init_process.get());
    sandbox::ExecutorHooks hooks;
    hooks.warn = report_warning;
    return sandbox::launch_entered(launch.plan(), hooks, container);
}

}  // namespace hpc::cmd
