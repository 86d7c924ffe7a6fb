#include "sandbox/plan/launch_steps.hpp"

#include "common/environ.hpp"
#include "common/error.hpp"
#include "common/path_in_root.hpp"
#include "common/scif_layout.hpp"
#include "sandbox/plan/default_mounts.hpp"
#include "sandbox/plan/fakeroot.hpp"
#include "sandbox/plan/identity.hpp"
#include "sandbox/plan/image_layers.hpp"
#include "sandbox/plan/mount_visibility.hpp"
#include "sandbox/plan/scratch_mounts.hpp"
#include "sandbox/plan/site_policy.hpp"
#include "sandbox/environment/scif_environment.hpp"

#include <algorithm>

namespace hpc::sandbox {
namespace {

[[noreturn]] void usage_error(std::string message) { throw Error(ExitCode::usage, std::move(message)); }

bool disabled(const LaunchRequest& request, std::string_view name) {
    return std::find(request.no_mount.begin(), request.no_mount.end(), name) != request.no_mount.end();
}

// A file hpc writes and binds at `target`: the identity files, and resolv.conf behind slirp.
MountStep identity_file(const std::string& target, std::string content) {
    MountStep step;
    step.kind = MountKind::file;
    step.target = target;
    step.is_directory = false;
    step.content = std::move(content);
    step.purpose = "identity";
    return step;
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

// Apptainer's 95-apps.sh fails an app it cannot find in the container (exit 1); hpc knows
// before it starts anything.
void check_app(const LaunchRequest& request, const ImageSummary& image) {
    if (request.app.empty()) return;
    if (!scif::is_app_name(request.app))
        usage_error("--app " + request.app + ": not an app name (" + std::string(scif::app_name_rule) + ")");
    if (!image.facts.app || image.facts.app->name != request.app)
        throw Error(ExitCode::no_input, image.path + ": no app " + request.app + " in the image (hpc inspect --list-apps " +
                                            image.path + " lists its apps)");
}

}  // namespace

LaunchRequest expand_shorthands(LaunchRequest request) {
    if (request.compat) {
        // Apptainer's list (cmd/internal/cli/actions.go); --writable keeps its own place, as there.
        request.containall = request.no_init = request.no_umask = request.no_eval = true;
        if (!request.writable) request.writable_tmpfs = true;
    }
    if (request.containall) {
        request.contain = request.clean_env = request.pid = request.ipc = true;
    }
    if (request.fakeroot) request.as_root = true;
    if (request.instance) {
        request.pid = true;
        request.no_init = false;
    }
    return request;
}

void check_request(const LaunchRequest& request, const ImageSummary& image, const site::SiteConfig& site) {
    if (request.writable && request.writable_tmpfs)
        usage_error("--writable and --writable-tmpfs cannot be used together");
    if (request.keep_privs && request.no_privs) usage_error("--keep-privs and --no-privs cannot be used together");
    if (request.writable && !image.is_directory && !image.overlay_partition)
        throw Error(ExitCode::data, image.path + ": --writable needs a directory (sandbox) image or a SIF with an "
                                                 "overlay partition (hpc overlay create); use --writable-tmpfs or "
                                                 "--overlay for this one");
    if (!request.pwd.empty() && request.pwd.front() != '/')
        usage_error("--pwd " + request.pwd + ": not an absolute path");
    for (const std::string& name : request.no_mount)
        if (!is_default_mount_name(name)) usage_error("--no-mount " + name + ": not a mount hpc makes");
    if (request.no_init && !request.pid) usage_error("--no-init only means something with --pid");
    check_scratch_request(request);
    check_app(request, image);
    check_image(site, image.path, image.format, image.owner);
}

IdMaps plan_id_maps(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site) {
    IdMaps ids;
    ids.uid = request.as_root ? 0 : host.user.uid;
    ids.gid = request.as_root ? 0 : host.user.gid;
    ids.uid_map = {{ids.uid, host.user.uid, 1}};
    ids.gid_map = {{ids.gid, host.user.gid, 1}};
    // Root in the container holds every capability of its user namespace (none on the host)
    // unless --no-privs: --keep-privs asks for that. Another user has none to keep, and gets
    // none from the flag, which Apptainer refuses to all but root too.
    if (request.keep_privs && ids.uid != 0)
        usage_error("--keep-privs: only root in the container has capabilities to keep, and the container's user "
                    "is uid " + std::to_string(ids.uid) + ": add --fakeroot");
    if (!request.fakeroot) return ids;
    check_fakeroot(site, false);  // before the subordinate ids are even read (that loads libsubid)
    FakerootIds fakeroot = plan_fakeroot(host.user.name, host.user.uid, host.user.gid, host.subordinate_ids());
    ids.uid_map = fakeroot.uid_map;
    ids.gid_map = fakeroot.gid_map;
    ids.ownership_ignored = fakeroot.ownership_ignored;
    if (fakeroot.ownership_ignored) check_fakeroot(site, true);
    ids.warnings = fakeroot.warnings;
    return ids;
}

RootChoice plan_root(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                     const site::SiteConfig& site, std::vector<ImageMount>& images) {
    RootChoice choice;
    RootPlan& root = choice.root;
    root.source = image.is_directory ? RootPlan::Source::directory : RootPlan::Source::squashfs;
    if (image.is_directory) {
        root.directory = image.path;
        root.directory_device = image.device;
        root.directory_inode = image.inode;
    }
    // --writable on a SIF writes into its overlay partition, a layer.
    root.writable = request.writable && image.is_directory;
    // Mount points the image lacks come from the server (squashfs) or from covering their
    // directory with a tmpfs copy (directory images): no overlay unless asked for.
    root.layers = plan_layers(request, host, image, site, images);
    bool writable_layer = root.takes_writes();  // nothing else yet: --writable excludes one
    root.overlay = request.writable_tmpfs && !writable_layer;
    if (request.writable_tmpfs && writable_layer)
        choice.warnings.push_back("--writable-tmpfs is not used: the writable overlay takes the container's writes");
    return choice;
}

bool shares_mount(const LaunchRequest& request, const ImageSummary& image, const site::SiteConfig& site,
                  NetworkMode network, const std::vector<ImageMount>& images) {
    // An interactive shell is not made a server: the first launcher stays until its last
    // joiner is done, and a shell's user should not wait for someone's batch job.
    // A launch with slirp has a slirp4netns of its own to keep: it does not join another's.
    // fuse2fs serves an ext image for one launch alone.
    // An instance's launcher could serve others, but would then outlive its stop for them.
    return !image.is_directory && !request.no_share && request.action != Action::shell && !request.instance &&
           network != NetworkMode::slirp && site.mount.share_per_node && !has_ext_image(images);
}

std::string share_scope(const HostFacts& host) {
    std::string_view job = environ_value(host.environ, "SLURM_JOB_ID").value_or("");
    if (job.empty()) return {};
    std::string_view step = environ_value(host.environ, "SLURM_STEP_ID").value_or("");
    return "slurm job " + std::string(job) + (step.empty() ? "" : " step " + std::string(step));
}

std::vector<MountStep> plan_default_mounts(const LaunchRequest& request, const HostFacts& host,
                                           const NetworkPlan& network, const std::string& workdir) {
    std::vector<MountStep> mounts;
    for (MountStep& step : default_mounts({request.contain, request.pid, request.ipc}, request.no_mount)) {
        // --contain's fresh /tmp and /var/tmp are tmpfs mounts: with -W, WORKDIR's instead.
        if (!workdir.empty() && step.kind == MountKind::tmpfs && (step.target == "/tmp" || step.target == "/var/tmp")) {
            mounts.push_back(contained_tmp_in_workdir(workdir, step.target));
            continue;
        }
        if (step.kind != MountKind::bind) {
            mounts.push_back(std::move(step));
            continue;
        }
        // --dns names the resolvers; behind slirp the host's may be out of reach (on its
        // loopback): slirp4netns answers DNS itself, and the container's resolv.conf names it.
        if (step.target == "/etc/resolv.conf" && (!network.dns.empty() || network.mode == NetworkMode::slirp)) {
            std::string servers;
            for (const std::string& address : network.dns) servers += "nameserver " + address + "\n";
            if (servers.empty()) servers = std::string("nameserver ") + slirp_dns_address + "\n";
            mounts.push_back(identity_file(step.target, servers));
            continue;
        }
        std::optional<std::string> canonical = host.canonical(step.source);
        if (!canonical) {
            if (step.optional) continue;
            throw Error(ExitCode::unavailable, step.source + ": missing on this host, needed for " + step.target);
        }
        step.source = *canonical;
        mounts.push_back(std::move(step));
    }
    return mounts;
}

std::optional<MountStep> plan_console(const LaunchRequest& request, const HostFacts& host) {
    // The container's devpts is an instance of its own, where the user's terminal is not: like
    // Apptainer's minimal /dev, show it as /dev/console, and open the payload's descriptors on
    // it again there (LaunchPlan::terminal). Its host path, /dev/pts/N, cannot be had with a
    // working /dev/ptmx: a new devpts instance has no entry N to bind over, and the host's
    // instance bound at /dev/pts gives no ptmx a user may open (its own is mode 0 on Debian;
    // the host's /dev/ptmx bound alone finds no devpts beside it, ENOENT).
    if (host.terminal.empty() || disabled(request, "dev")) return std::nullopt;
    std::optional<std::string> terminal = host.canonical(host.terminal);
    if (!terminal) return std::nullopt;
    MountStep console = bind_step(*terminal, "/dev/console", false, "dev");
    console.is_directory = false;
    return console;
}

std::vector<MountStep> plan_site_binds(const site::SiteConfig& site, const HostFacts& host) {
    std::vector<MountStep> steps;
    for (const site::DefaultBind& bind : site.binds.default_binds)
        if (std::optional<std::string> canonical = host.canonical(bind.source))
            steps.push_back(bind_step(*canonical, bind.destination, bind.read_only, "site bind " + bind.source));
    return steps;
}

HomePlan plan_home(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site) {
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
    // A --home of the user's choosing is a bind like -B's; their own home is hpc's default.
    if (!request.home.empty()) check_bind_source(site, home.source);
    return home;
}

std::optional<MountStep> home_mount(const HomePlan& home, const std::string& workdir) {
    if (home.fresh && !workdir.empty()) return contained_home_in_workdir(workdir, home.destination);
    if (home.fresh) return tmpfs_step(home.destination, "mode=0700", "home (contained)");
    if (home.source.empty()) return std::nullopt;
    return bind_step(home.source, home.destination, false, "home");
}

std::vector<MountStep> plan_user_binds(const LaunchRequest& request, const HostFacts& host,
                                       const site::SiteConfig& site, std::vector<ImageMount>& images) {
    std::vector<MountStep> steps;
    for (const BindSpec& bind : request.binds) {
        std::string source = absolute_from(host.cwd, bind.source);
        std::string destination = normalize_absolute(bind.destination);
        std::string what = "bind " + bind.source + " to " + destination;
        std::optional<std::string> canonical = host.canonical(source);
        if (!canonical) throw Error(ExitCode::no_input, what + ": source not found");
        if (destination == "/") usage_error(what + ": cannot bind over the container's root");
        check_bind_source(site, *canonical);
        if (bind.image_source)
            steps.push_back(image_bind_step(bind, *canonical, destination, what, host, images));
        else
            steps.push_back(bind_step(*canonical, destination, bind.read_only, what));
    }
    return steps;
}

// Apptainer binds the working directory at its own path when the container would not
// otherwise have it: never with --contain, never for /, never over the image's own files,
// and not when a bind already shows the same host directory at the same path. It is a bind
// like -B's, so the site's policy judges it; a denied one is left out, not an error, since
// the user asked for nothing but to start where they stand.
CwdBind plan_cwd_bind(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                      const site::SiteConfig& site, const std::vector<MountStep>& planned, const std::string& home) {
    if (request.contain || disabled(request, "cwd") || host.cwd.empty() || host.cwd == "/") return {};
    std::optional<std::string> canonical = host.canonical(host.cwd);
    if (!canonical || shows_host_path(planned, host.cwd, *canonical, host.canonical)) return {};
    if (image.exists(host.cwd)) return {};
    try {
        check_bind_source(site, *canonical);
    } catch (const Error& refusal) {
        return {std::nullopt, "the working directory " + host.cwd + " is not bound (" + refusal.what() +
                                  "): starting in " + (home.empty() ? "/" : home)};
    }
    return {bind_step(*canonical, host.cwd, false, "cwd"), std::nullopt};
}

std::vector<MountStep> plan_identity_files(const LaunchRequest& request, const HostFacts& host,
                                           const ImageSummary& image, const std::string& home) {
    // As root (builds, --fakeroot) the image's own files stay, so that %post may add users.
    if (request.as_root) return {};
    // The user's entries, so that whoami and id answer as on the host.
    bool shell_in_image = image.exists(host.user.shell);
    return {identity_file("/etc/passwd", passwd_with_user(image.passwd, host.user, home, shell_in_image)),
            identity_file("/etc/group", group_with_user(image.group, host.user, host.user.groups))};
}

ContainerEnvironment plan_container_environment(const LaunchRequest& request, const HostFacts& host,
                                                const ImageSummary& image, const IdMaps& ids, const std::string& home,
                                                const std::vector<std::string>& library_directories,
                                                const EnvVars& device_variables) {
    EnvironmentRequest environment;
    environment.host_environ = host.environ;
    environment.env_options = request.env_options;
    environment.env_files = request.env_files;
    environment.clean_env = request.clean_env;
    environment.no_eval = request.no_eval;
    environment.home = home;
    environment.runtime = runtime_variables(image);
    if (!request.app.empty())
        for (auto& variable : app_runtime_variables(request.app)) environment.runtime.push_back(std::move(variable));
    environment.no_env = request.no_env;
    environment.cwd = request.pwd.empty() ? host.cwd : normalize_absolute(request.pwd);
    environment.uid = ids.uid;
    environment.gid = ids.gid;
    environment.library_path_first = library_directories;
    environment.device_variables = device_variables;
    return plan_environment(environment);
}

WorkingDirectories plan_working_directories(const LaunchRequest& request, const HostFacts& host, bool cwd_refused,
                                            const std::string& home) {
    WorkingDirectories working;
    if (!request.pwd.empty()) {
        working.candidates = {normalize_absolute(request.pwd)};
        working.required = true;
        return working;
    }
    std::string cwd_inside = cwd_refused ? std::string() : host.cwd;
    for (const std::string& directory : {cwd_inside, home, std::string("/")})
        if (!directory.empty() &&
            std::find(working.candidates.begin(), working.candidates.end(), directory) == working.candidates.end())
            working.candidates.push_back(directory);
    return working;
}

}  // namespace hpc::sandbox
