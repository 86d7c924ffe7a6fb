#include "sandbox/plan/planner.hpp"

#include "sandbox/plan/gpu_mounts.hpp"
#include "sandbox/plan/launch_steps.hpp"
#include "sandbox/plan/mpi_mounts.hpp"
#include "sandbox/plan/scratch_mounts.hpp"

#include <iterator>
#include <optional>

namespace hpc::sandbox {
namespace {

template <typename T>
void append(std::vector<T>& to, std::vector<T> more) {
    to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

template <typename T>
void append(std::vector<T>& to, std::optional<T> more) {
    if (more) to.push_back(std::move(*more));
}

// The image's facts as the payload will find them: its /.singularity.d/libs holds what the image
// has there and whatever the plan mounts into it (a user's bind), which the action script's
// library path step looks at.
ImageFacts facts_in_container(const ImageFacts& facts, const std::vector<MountStep>& mounts) {
    ImageFacts found = facts;
    const std::string libraries(bound_libraries_directory);
    for (const MountStep& step : mounts)
        if (step.target == libraries || step.target.starts_with(libraries + "/")) found.has_bound_libraries = true;
    return found;
}

}  // namespace

// Each step is in launch_steps.cpp. The order is the mounts' order, and it matters: a mount
// covers what those before it show at and below its target, and the working directory's bind
// and MPI's look at the mounts planned before them. The order of the checks is that of the
// errors a request with several faults meets.
LaunchPlan plan_launch(const LaunchRequest& original, const HostFacts& host, const ImageSummary& image,
                       const site::SiteConfig& site) {
    LaunchRequest request = expand_shorthands(original);
    check_request(request, image, site);

    LaunchPlan plan;
    IdMaps ids = plan_id_maps(request, host, site);
    plan.uid_map = ids.uid_map;
    plan.gid_map = ids.gid_map;
    plan.ownership_ignored = ids.ownership_ignored;
    plan.warnings = ids.warnings;
    plan.namespaces = {request.pid, request.ipc, !request.no_init, request.instance};
    plan.network = plan_network(request.network, site.network);
    RootChoice root = plan_root(request, host, image, site, plan.images);
    plan.root = std::move(root.root);
    append(plan.warnings, std::move(root.warnings));

    std::string workdir = plan_workdir(request, host, site);
    append(plan.mounts, plan_default_mounts(request, host, plan.network, workdir));
    std::optional<MountStep> console = plan_console(request, host);
    if (console) plan.terminal = console->target;
    append(plan.mounts, std::move(console));
    append(plan.mounts, plan_site_binds(site, host));
    HomePlan home = plan_home(request, host, site);
    append(plan.mounts, home_mount(home, workdir));
    append(plan.mounts, plan_user_binds(request, host, site, plan.images));
    append(plan.mounts, plan_scratch_mounts(request, workdir));
    plan.share_mount = shares_mount(request, image, site, plan.network.mode, plan.images);
    if (plan.share_mount) {
        plan.share_scope = share_scope(host);
        // A step's task lingers for no one: the step's tasks on a node start together and meet
        // under the step's name, which no launch uses once they have ended. The server of a
        // task would only add its start and its end to every rank's start-up.
        plan.share_linger_seconds =
            request.share_linger.value_or(host.slurm_task ? 0 : site.mount.share_linger_seconds);
        if (host.mount_table) plan.host_mounts = host.mount_table();
    }
    CwdBind cwd = plan_cwd_bind(request, host, image, site, plan.mounts, home.destination);
    append(plan.mounts, cwd.step);
    append(plan.warnings, cwd.refusal_warning);
    MpiMounts mpi = plan_mpi_mounts(request, host, image, site, plan.mounts);
    append(plan.mounts, mpi.steps);
    append(plan.warnings, mpi.warnings);
    DeviceMounts devices = plan_device_mounts(request, host, site, plan.mounts);
    append(plan.mounts, devices.steps);
    append(plan.warnings, devices.warnings);
    append(plan.mounts, plan_identity_files(request, host, image, home.destination));

    // The GPU driver's libraries first, as Apptainer puts /.singularity.d/libs, then MPI's.
    std::vector<std::string> library_directories = devices.library_directories;
    append(library_directories, mpi.library_directories);
    ContainerEnvironment environment = plan_container_environment(request, host, image, ids, home.destination,
                                                                  library_directories, devices.variables);
    append(plan.warnings, environment.warnings);
    plan.command = payload_command(environment, facts_in_container(image.facts, plan.mounts), request.action,
                                   request.args, request.shell);
    if (request.no_umask) plan.command.umask = 0022;  // Apptainer's default; else the caller's passes on
    plan.command.no_capabilities = request.no_privs;
    WorkingDirectories working = plan_working_directories(request, host, bool(cwd.refusal_warning), home.destination);
    plan.working_directories = working.candidates;
    plan.working_directory_required = working.required;
    return plan;
}

}  // namespace hpc::sandbox
