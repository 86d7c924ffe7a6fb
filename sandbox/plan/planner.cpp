#include "sandbox/plan/planner.hpp"

#include "common/error.hpp"
#include "common/environ.hpp"
#include "common/path_in_root.hpp"
#include "sandbox/plan/default_mounts.hpp"
#include "sandbox/plan/fakeroot.hpp"
#include "sandbox/plan/mount_visibility.hpp"
#include "sandbox/plan/mpi_mounts.hpp"
#include "sandbox/plan/site_policy.hpp"

#include <algorithm>

namespace hpc::sandbox {
namespace {

[[noreturn]] void usage_error(std::string message) { throw Error(ExitCode::usage, std::move(message)); }

// --containall is --contain, --cleanenv, --pid and --ipc, as in Apptainer.
LaunchRequest expand_shorthands(LaunchRequest request) {
    if (request.containall) {
        request.contain = request.clean_env = request.pid = request.ipc = true;
    }
    if (request.fakeroot) request.as_root = true;
    return request;
}

void check_options(const LaunchRequest& request, const ImageSummary& image) {
    if (request.writable && request.writable_tmpfs)
        usage_error("--writable and --writable-tmpfs cannot be used together");
    if (request.writable && !image.is_directory)
        throw Error(ExitCode::data, image.path + ": --writable needs a directory (sandbox) image; "
                                                 "use --writable-tmpfs for a SIF or squashfs image");
    if (!request.pwd.empty() && request.pwd.front() != '/')
        usage_error("--pwd " + request.pwd + ": not an absolute path");
    for (const std::string& name : request.no_mount)
        if (!is_default_mount_name(name)) usage_error("--no-mount " + name + ": not a mount hpc makes");
    if (request.no_init && !request.pid) usage_error("--no-init only means something with --pid");
}

bool disabled(const LaunchRequest& request, std::string_view name) {
    return std::find(request.no_mount.begin(), request.no_mount.end(), name) != request.no_mount.end();
}

std::string absolute_from(const std::string& cwd, const std::string& path) {
    if (!path.empty() && path.front() == '/') return normalize_absolute(path);
    return normalize_absolute(cwd + "/" + path);
}

struct HomePlan {
    std::string source;       // canonical host path; empty when nothing is bound
    std::string destination;  // $HOME in the container
    bool fresh = false;       // --contain without --home: an empty home of its own
};

HomePlan plan_home(const LaunchRequest& request, const HostFacts& host) {
    HomePlan home;
    if (request.as_root) {
        home.destination = "/root";  // root's, in the image: the user's home stays outside
        return home;
    }
    std::string source = host.user.home;
    home.destination = host.user.home;
    if (!request.home.empty()) {
        size_t colon = request.home.find(':');
        source = absolute_from(host.cwd, request.home.substr(0, colon));
        home.destination = colon == std::string::npos ? source : request.home.substr(colon + 1);
        if (home.destination.empty() || home.destination.front() != '/')
            usage_error("--home " + request.home + ": the container path must be absolute");
        home.destination = normalize_absolute(home.destination);
    }
    if (request.no_home || disabled(request, "home")) return home;
    if (request.contain && request.home.empty()) {
        home.fresh = true;
        return home;
    }
    std::optional<std::string> canonical = host.canonical(source);
    if (!canonical) {
        if (!request.home.empty()) throw Error(ExitCode::no_input, "--home " + source + ": no such directory");
        return home;  // a user without a home directory: nothing to bind
    }
    home.source = *canonical;
    return home;
}

MountStep home_step(const HomePlan& home) {
    if (home.fresh) {
        MountStep step;
        step.kind = MountKind::tmpfs;
        step.target = home.destination;
        step.options = "mode=0700";
        step.purpose = "home (contained)";
        return step;
    }
    return bind_step(home.source, home.destination, false, "home");
}

// binds.default: the admin's own binds, in every container whose host has their source.
std::vector<MountStep> site_binds(const site::SiteConfig& site, const HostFacts& host) {
    std::vector<MountStep> steps;
    for (const site::DefaultBind& bind : site.binds.default_binds)
        if (std::optional<std::string> canonical = host.canonical(bind.source))
            steps.push_back(bind_step(*canonical, bind.destination, bind.read_only, "site bind " + bind.source));
    return steps;
}

std::vector<MountStep> user_binds(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site) {
    std::vector<MountStep> steps;
    for (const BindSpec& bind : request.binds) {
        std::string source = absolute_from(host.cwd, bind.source);
        std::string destination = normalize_absolute(bind.destination);
        std::string what = "bind " + bind.source + " to " + destination;
        std::optional<std::string> canonical = host.canonical(source);
        if (!canonical) throw Error(ExitCode::no_input, what + ": source not found");
        if (destination == "/") usage_error(what + ": cannot bind over the container's root");
        check_bind_source(site, *canonical);
        MountStep step = bind_step(*canonical, destination, bind.read_only, what);
        steps.push_back(std::move(step));
    }
    return steps;
}

struct CwdBind {
    std::optional<MountStep> step;
    std::optional<Error> denied;  // the site's refusal: the container must not start there
};

// Apptainer binds the working directory at its own path when the container would not
// otherwise have it: never with --contain, never for /, never over the image's own files,
// and not when a bind already shows the same host directory at the same path. It is a bind
// like -B's, so the site's policy judges it; a denied one is left out, not an error, since
// the user asked for nothing but to start where they stand.
CwdBind cwd_bind(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                 const site::SiteConfig& site, const std::vector<MountStep>& planned) {
    if (request.contain || disabled(request, "cwd") || host.cwd.empty() || host.cwd == "/") return {};
    std::optional<std::string> canonical = host.canonical(host.cwd);
    if (!canonical || shows_host_path(planned, host.cwd, *canonical, host.canonical)) return {};
    if (image.exists(host.cwd)) return {};
    try {
        check_bind_source(site, *canonical);
    } catch (const Error& refusal) {
        return {std::nullopt, refusal};
    }
    return {bind_step(*canonical, host.cwd, false, "cwd"), std::nullopt};
}

MountStep identity_file(const std::string& target, std::string content) {
    MountStep step;
    step.kind = MountKind::file;
    step.target = target;
    step.is_directory = false;
    step.content = std::move(content);
    step.purpose = "identity";
    return step;
}

std::string share_scope(const HostFacts& host) {
    std::string_view job = environ_value(host.environ, "SLURM_JOB_ID").value_or("");
    if (job.empty()) return {};
    std::string_view step = environ_value(host.environ, "SLURM_STEP_ID").value_or("");
    return "slurm job " + std::string(job) + (step.empty() ? "" : " step " + std::string(step));
}

EnvVars runtime_variables(const ImageSummary& image) {
    std::string name = image.path.substr(image.path.rfind('/') + 1);
    // Apptainer exports these to every container; APPTAINER_ENVIRONMENT is where a
    // %post or a user may add variables for later runs.
    const std::string environment_file = "/.singularity.d/env/91-environment.sh";
    return {{"APPTAINER_CONTAINER", image.path},           {"APPTAINER_NAME", name},
            {"APPTAINER_ENVIRONMENT", environment_file},   {"SINGULARITY_CONTAINER", image.path},
            {"SINGULARITY_NAME", name},                    {"SINGULARITY_ENVIRONMENT", environment_file}};
}

}  // namespace

LaunchPlan plan_launch(const LaunchRequest& original, const HostFacts& host, const ImageSummary& image,
                       const site::SiteConfig& site) {
    LaunchRequest request = expand_shorthands(original);
    check_options(request, image);
    check_image(site, image.path, image.format, image.owner);

    LaunchPlan plan;
    uint32_t inside_uid = request.as_root ? 0 : host.user.uid;
    uint32_t inside_gid = request.as_root ? 0 : host.user.gid;
    plan.uid_map = {{inside_uid, host.user.uid, 1}};
    plan.gid_map = {{inside_gid, host.user.gid, 1}};
    if (request.fakeroot) {
        check_fakeroot(site, false);  // before the subordinate ids are even read
        FakerootIds fakeroot = plan_fakeroot(host.user.name, host.user.uid, host.user.gid, host.subordinate_ids());
        plan.uid_map = fakeroot.uid_map;
        plan.gid_map = fakeroot.gid_map;
        plan.ownership_ignored = fakeroot.ownership_ignored;
        if (fakeroot.ownership_ignored) check_fakeroot(site, true);
        plan.warnings = fakeroot.warnings;
    }
    plan.namespaces = {request.pid, request.ipc, !request.no_init};
    plan.network = plan_network(request.network, site.network);

    plan.root.source = image.is_directory ? RootPlan::Source::directory : RootPlan::Source::squashfs;
    if (image.is_directory) {
        plan.root.directory = image.path;
        plan.root.directory_device = image.device;
        plan.root.directory_inode = image.inode;
    }
    plan.root.writable = request.writable;
    // An interactive shell is not made a server: the first launcher stays until its last
    // joiner is done, and a shell's user should not wait for someone's batch job.
    // A launch with slirp has a slirp4netns of its own to keep: it does not join another's.
    plan.share_mount = !image.is_directory && !request.no_share && request.action != Action::shell &&
                       plan.network.mode != NetworkMode::slirp && site.mount.share_per_node;
    if (plan.share_mount) plan.share_scope = share_scope(host);
    // Mount points the image lacks come from the server (squashfs) or from covering their
    // directory with a tmpfs copy (directory images): no overlay unless asked for.
    plan.root.overlay = request.writable_tmpfs;

    std::vector<MountStep> defaults =
        default_mounts({request.contain, request.pid, request.ipc}, request.no_mount);
    for (MountStep& step : defaults) {
        if (step.kind != MountKind::bind) {
            plan.mounts.push_back(std::move(step));
            continue;
        }
        // Behind slirp the host's resolvers may be out of reach (on its loopback): slirp4netns
        // answers DNS itself, and the container's resolv.conf names it.
        if (step.target == "/etc/resolv.conf" && plan.network.mode == NetworkMode::slirp) {
            plan.mounts.push_back(identity_file(step.target, std::string("nameserver ") + slirp_dns_address + "\n"));
            continue;
        }
        std::optional<std::string> canonical = host.canonical(step.source);
        if (!canonical) {
            if (step.optional) continue;
            throw Error(ExitCode::unavailable, step.source + ": missing on this host, needed for " + step.target);
        }
        step.source = *canonical;
        plan.mounts.push_back(std::move(step));
    }

    // The container's devpts is an instance of its own, where the user's terminal is not:
    // like Apptainer, show it as /dev/console, so programs can still find it.
    if (!host.terminal.empty() && !disabled(request, "dev"))
        if (std::optional<std::string> terminal = host.canonical(host.terminal)) {
            MountStep console = bind_step(*terminal, "/dev/console", false, "dev");
            console.is_directory = false;
            plan.mounts.push_back(console);
        }

    for (MountStep& step : site_binds(site, host)) plan.mounts.push_back(std::move(step));
    HomePlan home = plan_home(request, host);
    // A --home of the user's choosing is a bind like -B's; their own home is hpc's default.
    if (!request.home.empty() && !home.source.empty()) check_bind_source(site, home.source);
    if (home.fresh || !home.source.empty()) plan.mounts.push_back(home_step(home));
    for (MountStep& step : user_binds(request, host, site)) plan.mounts.push_back(std::move(step));
    CwdBind cwd = cwd_bind(request, host, image, site, plan.mounts);
    if (cwd.step) plan.mounts.push_back(*cwd.step);
    if (cwd.denied)
        plan.warnings.push_back("the working directory " + host.cwd + " is not bound (" + cwd.denied->what() +
                                "): starting in " + (home.destination.empty() ? "/" : home.destination));
    MpiMounts mpi = plan_mpi_mounts(request, host, image, site, plan.mounts);
    plan.mounts.insert(plan.mounts.end(), mpi.steps.begin(), mpi.steps.end());
    plan.warnings.insert(plan.warnings.end(), mpi.warnings.begin(), mpi.warnings.end());

    // The user's entries, so that whoami and id answer as on the host.
    if (!request.as_root) {
        bool shell_in_image = image.exists(host.user.shell);
        plan.mounts.push_back(identity_file(
            "/etc/passwd", passwd_with_user(image.passwd, host.user, home.destination, shell_in_image)));
        plan.mounts.push_back(identity_file("/etc/group", group_with_user(image.group, host.user, host.user.groups)));
    }

    EnvironmentRequest environment;
    environment.host_environ = host.environ;
    environment.env_options = request.env_options;
    environment.env_files = request.env_files;
    environment.clean_env = request.clean_env;
    environment.no_eval = request.no_eval;
    environment.home = home.destination;
    environment.runtime = runtime_variables(image);
    environment.no_env = request.no_env;
    environment.cwd = request.pwd.empty() ? host.cwd : normalize_absolute(request.pwd);
    environment.uid = inside_uid;
    environment.gid = inside_gid;
    environment.library_path_first = mpi.library_directories;
    ContainerEnvironment container_environment = plan_environment(environment);
    plan.warnings.insert(plan.warnings.end(), container_environment.warnings.begin(),
                         container_environment.warnings.end());
    plan.command = payload_command(container_environment, image.facts, request.action, request.args, request.shell);

    if (!request.pwd.empty()) {
        plan.working_directories = {normalize_absolute(request.pwd)};
        plan.working_directory_required = true;
    } else {
        std::string cwd_inside = cwd.denied ? std::string() : host.cwd;
        for (const std::string& directory : {cwd_inside, home.destination, std::string("/")})
            if (!directory.empty() &&
                std::find(plan.working_directories.begin(), plan.working_directories.end(), directory) ==
                    plan.working_directories.end())
                plan.working_directories.push_back(directory);
    }
    return plan;
}

}  // namespace hpc::sandbox
