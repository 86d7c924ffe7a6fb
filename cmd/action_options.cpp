#include "cmd/action_options.hpp"

#include "cmd/report.hpp"
#include "common/error.hpp"
#include "common/regular_file.hpp"
#include "sandbox/plan/bind_spec.hpp"
#include "sandbox/environment/env_file.hpp"
#include "site-config/site_config.hpp"

#include <sstream>

namespace hpc::cmd {
namespace {

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
    std::vector<std::string> items;
    for (const std::string& value : values) {
        std::stringstream stream(value);
        std::string item;
        while (std::getline(stream, item, ','))
            if (!item.empty()) items.push_back(item);
    }
    return items;
}

// PATH[:ro|:rw], as Apptainer's --overlay takes it.
sandbox::OverlaySpec parse_overlay(const std::string& value) {
    for (std::string_view suffix : {":ro", ":rw"})
        if (value.size() > suffix.size() && value.ends_with(suffix))
            return {value.substr(0, value.size() - suffix.size()), suffix == ":ro"};
    if (value.empty()) throw Error(ExitCode::usage, "--overlay: an empty path");
    return {value, false};
}

}  // namespace

void add_gpu_options(CLI::App& command, bool& nv, bool& nvccli, bool& rocm) {
    command.add_flag("--nv", nv, "the host's NVIDIA driver and GPUs in the container (libraries, programs, devices)");
    command.add_flag("--nvccli", nvccli, "as --nv: hpc finds the driver itself, without nvidia-container-cli");
    command.add_flag("--rocm", rocm, "the host's AMD ROCm driver and GPUs in the container");
}

bool wants_nvidia(bool nv, bool nvccli) {
    if (nvccli) report_warning("--nvccli is --nv in hpc: the driver is found and bound without nvidia-container-cli");
    return nv || nvccli;
}

void add_action_options(CLI::App& command, ActionOptions& options, bool with_shell) {
    // Everything from the first word that is not an option belongs to the image and its
    // command: `hpc exec -B /a img ls -l` must leave `-l` to ls.
    command.prefix_command();
    add_registry_options(command, options.registry);
    command.add_option("-B,--bind", options.binds,
                       "bind a host path: src[:dst[:ro|rw]], comma-separated; also $APPTAINER_BIND");
    command.add_option("--mount", options.mounts, "bind in Docker's syntax: type=bind,source=...,destination=...");
    command.add_option("-H,--home", options.home, "the home directory: src[:dst] (default: your home)");
    command.add_flag("--no-home", options.no_home, "do not bind the home directory");
    command.add_flag("-c,--contain", options.contain,
                     "use empty /tmp, /var/tmp, /dev/shm and home instead of the host's");
    command.add_flag("-C,--containall", options.containall, "--contain, --cleanenv, --pid and --ipc");
    command.add_flag("-e,--cleanenv", options.clean_env, "pass no host environment variables");
    command.add_option("--env", options.env, "set variables: NAME=VALUE, comma-separated");
    command.add_option("--env-file", options.env_files, "set variables from a file of NAME=VALUE lines");
    command.add_option("--no-env", options.no_env, "host variables not to pass: NAME, comma-separated");
    command.add_flag("--no-eval", options.no_eval, "keep variable values literal: no shell evaluation");
    command.add_flag("--no-umask", options.no_umask, "start the payload with umask 0022, not the one hpc was started with");
    command.add_flag("--no-privs", options.no_privs,
                     "no capabilities for root in the container (--fakeroot's): its bounding set emptied");
    command.add_flag("--keep-privs", options.keep_privs,
                     "root in the container keeps its capabilities (hpc's default: in its user namespace, "
                     "none on the host); needs --fakeroot, not with --no-privs");
    command.add_flag("--compat", options.compat,
                     "Docker's and OCI's ways: --containall, --no-init, --no-umask, --no-eval and --writable-tmpfs");
    command.add_option("--pwd,--cwd", options.pwd, "the working directory in the container");
    command.add_option("--no-mount", options.no_mount,
                       "leave out default mounts: proc, sys, dev, devpts, home, tmp, cwd, bind-paths, or a path");
    command.add_flag("-p,--pid", options.pid, "a new PID namespace");
    command.add_flag("-i,--ipc", options.ipc, "a new IPC namespace");
    command.add_flag("--no-init", options.no_init, "with --pid, run the payload itself as PID 1");
    command.add_flag("-w,--writable", options.writable, "write to a directory (sandbox) image");
    command.add_flag("--writable-tmpfs", options.writable_tmpfs, "a writable tmpfs overlay over the image");
    command.add_option("-o,--overlay", options.overlays,
                       "a directory laid over the image: DIR (writable: DIR/upper keeps the writes) or DIR:ro; "
                       "repeatable, the last on top");
    command.add_option("-S,--scratch", options.scratch,
                       "a directory of the container's that starts empty and goes with it: a tmpfs, or with -W "
                       "WORKDIR/scratch/DIR; comma-separated; repeatable");
    command.add_option("-W,--workdir", options.workdir,
                       "a host directory for -S's directories and, with --contain, /tmp, /var/tmp and home "
                       "(WORKDIR/tmp, var_tmp, home), made there when missing");
    command.add_flag("--no-share", options.no_share,
                     "serve the image for this launch alone, not through this node's shared mount");
    command.add_option("--share-linger", options.share_linger,
                       "seconds the shared mount's server stays after the last launch, for the next to "
                       "find it warm (default: the site's, 5; none for a Slurm task that is hpc itself; 0: none)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0U, site::max_share_linger_seconds).description(""));
    command.add_flag("-n,--net", options.net, "a network of its own: --network's, or slirp");
    command.add_option("--network", options.network,
                       "host (the default: the host's own), none (loopback only) or slirp (slirp4netns)");
    command.add_option("--network-args", options.network_args,
                       "for slirp: portmap=HOST_PORT:CONTAINER_PORT[/tcp|udp], comma-separated");
    command.add_option("--hostname", options.hostname, "the container's host name (a UTS namespace of its own)");
    command.add_option("--dns", options.dns,
                       "name servers for the container's /etc/resolv.conf: IP addresses, comma-separated (at most 3)");
    command.add_option("--mpi", options.mpi,
                       "the MPI programs use: image (the image's own) or host (the host's, bound in place of "
                       "the image's when their ABIs match); default: the site's mpi.default, image");
    add_gpu_options(command, options.nv, options.nvccli, options.rocm);
    command.add_option("--device", options.devices,
                       "a CDI device: VENDOR/CLASS=NAME (nvidia.com/gpu=all), comma-separated; repeatable");
    command.add_option("--cdi-dirs", options.cdi_dirs,
                       "where CDI specs are, comma-separated (default: the site's, /etc/cdi and /var/run/cdi)");
    command.add_flag("-f,--fakeroot", options.fakeroot,
                     "root inside, your subordinate uid/gid ranges behind it (/etc/subuid, newuidmap)");
    if (with_shell) command.add_option("-s,--shell", options.shell, "the shell to run (default: /bin/bash or /bin/sh)");
    command.add_option("--app", options.app,
                       "run in the image's SCIF app NAME: its environment; run and test its runscript and test");
    command.add_flag("--dry-run", options.dry_run, "print the launch plan and run nothing");
    command.add_flag("-v,--verbose", options.verbose, "print the launch plan, then run");
    // A repeatable option takes one value per use: `--env-file F IMAGE` must leave IMAGE alone.
    for (CLI::Option* option : command.get_options())
        if (option->get_expected_max() > 1) option->allow_extra_args(false);
}

sandbox::LaunchRequest to_launch_request(const ActionOptions& options, sandbox::Action action) {
    sandbox::LaunchRequest request;
    request.action = action;
    request.args.assign(options.image_and_args.begin() + 1, options.image_and_args.end());
    request.shell = options.shell;
    request.app = options.app;
    for (const std::string& value : options.binds)
        for (sandbox::BindSpec& bind : sandbox::parse_bind_list(value)) request.binds.push_back(std::move(bind));
    for (const std::string& value : options.mounts)
        for (sandbox::BindSpec& bind : sandbox::parse_mount_list(value)) request.binds.push_back(std::move(bind));
    request.home = options.home;
    request.no_home = options.no_home;
    request.contain = options.contain;
    request.containall = options.containall;
    request.clean_env = options.clean_env;
    request.no_eval = options.no_eval;
    request.no_umask = options.no_umask;
    request.no_privs = options.no_privs;
    request.keep_privs = options.keep_privs;
    request.compat = options.compat;
    request.pid = options.pid;
    request.ipc = options.ipc;
    request.no_init = options.no_init;
    request.writable = options.writable;
    request.writable_tmpfs = options.writable_tmpfs;
    for (const std::string& value : options.overlays) request.overlays.push_back(parse_overlay(value));
    request.scratch = split_commas(options.scratch);
    request.workdir = options.workdir;
    request.fakeroot = options.fakeroot;
    request.no_share = options.no_share;
    request.share_linger = options.share_linger;
    request.network.net = options.net;
    request.network.network = options.network;
    request.network.network_args = split_commas(options.network_args);
    request.network.hostname = options.hostname;
    request.network.dns = split_commas(options.dns);
    request.mpi = options.mpi;
    request.nv = wants_nvidia(options.nv, options.nvccli);
    request.rocm = options.rocm;
    request.devices = split_commas(options.devices);
    request.cdi_directories = split_commas(options.cdi_dirs);
    request.no_mount = split_commas(options.no_mount);
    request.pwd = options.pwd;
    request.env_options = options.env;
    request.no_env = options.no_env;
    for (const std::string& path : options.env_files)
        request.env_files.push_back({path, read_regular_file(path, sandbox::max_env_file_bytes, "--env-file " + path)});
    return request;
}

}  // namespace hpc::cmd
