#include "cmd/apptainer_commands.hpp"

#include "cmd/option_variables.hpp"

#include <algorithm>

namespace hpc::cmd {
namespace {

struct Answer {
    std::string_view word;
    std::string_view answer;
};

constexpr std::string_view registries =
    "hpc reaches registries through docker:// and oras:// images alone (hpc pull, hpc push, hpc exec "
    "docker://...); Sylabs' library://, shub:// and the other transports are not in hpc";
constexpr std::string_view registry_accounts =
    "hpc keeps no registry accounts: credentials come from ~/.docker/config.json ($DOCKER_CONFIG), "
    "--authfile, --docker-login or HPC_DOCKER_USERNAME and HPC_DOCKER_PASSWORD";
constexpr std::string_view local_oci =
    "an OCI image is run from the SIF hpc builds of it: hpc build IMAGE.sif SOURCE, then run IMAGE.sif";
constexpr std::string_view signing = "signing and verifying images is not in hpc yet";
constexpr std::string_view capabilities = "capabilities are not in hpc yet: a container has none on the host";
constexpr std::string_view single_capabilities =
    "single capabilities are not in hpc yet: root in the container (--fakeroot) holds every capability of its user "
    "namespace and none on the host; --no-privs drops them all";
constexpr std::string_view encryption = "encrypted images are not in hpc yet";
constexpr std::string_view checkpointing = "checkpointing is not in hpc yet";
constexpr std::string_view resource_limits =
    "resource limits are not hpc's: ask the batch system (Slurm's --mem, --cpus-per-task), or run hpc under "
    "systemd-run --user --scope -p MemoryMax=4G";
constexpr std::string_view site_configuration =
    "hpc reads only the site's configuration, fixed when hpc was built (hpc config check shows it)";
constexpr std::string_view credentials =
    "hpc takes no credentials on the command line, where ps shows them: --docker-login, HPC_DOCKER_USERNAME and "
    "HPC_DOCKER_PASSWORD, or --authfile";
constexpr std::string_view update = "--update is not in hpc: build a new image from the old one (Bootstrap: localimage)";
constexpr std::string_view no_signatures = "hpc checks no signatures: leave it out";
constexpr std::string_view docker_daemon =
    "Docker daemons are not in hpc: docker save -o image.tar IMAGE, then hpc build image.sif docker-archive:image.tar";

constexpr Answer commands[] = {
    {"oras", registries},
    {"search", registries},
    {"registry", registry_accounts},
    {"remote", registry_accounts},
    {"delete", registries},
    {"tag", registries},
    {"sign", signing},
    {"verify", signing},
    {"key", signing},
    {"keyserver", signing},
    {"plugin", "plugins are not in hpc yet"},
    {"capability", capabilities},
    {"checkpoint", checkpointing},
    {"oci", "OCI runtime commands are not in hpc yet"},
    {"sif", "not in hpc: siftool (Debian's package siftool) is the same tool"},
    {"config fakeroot",
     "hpc --fakeroot uses the subordinate ids of /etc/subuid and /etc/subgid (root adds them with usermod "
     "--add-subuids and --add-subgids)"},
    {"config global", "hpc's site configuration is a TOML file of root's: hpc config check shows it"},
};

// For an option, the scopes (option_variables.hpp) of the Apptainer commands that have it: a
// word can mean two things (build's -u is --update, exec's --userns). every_command: whatever the
// command, hpc's own ones and those without a scope (inspect, run-help) too.
struct OptionAnswer {
    std::string_view word;
    unsigned scopes;
    std::string_view answer;
};

constexpr unsigned every_command = ~0U;
constexpr unsigned actions = action_scope;
constexpr unsigned actions_and_build = action_scope | build_scope;
constexpr unsigned registry_users = action_scope | build_scope | pull_scope;

constexpr OptionAnswer options[] = {
    // hpc's own root command.
    {"-c", global_scope, site_configuration},
    {"--config", global_scope, site_configuration},
    {"--build-config", global_scope, "hpc has one configuration, the site's: leave --build-config out"},

    // exec, run, shell and test.
    {"-u", actions, "hpc always runs in a user namespace: leave -u out"},
    {"--userns", every_command, "hpc always runs in a user namespace: leave --userns out"},
    {"--ignore-userns", actions_and_build, "hpc always runs in a user namespace: it cannot be ignored"},
    {"--add-caps", actions, single_capabilities},
    {"--drop-caps", actions, single_capabilities},
    {"--allow-setuid", actions,
     "hpc starts every payload with no_new_privs: a set-user-ID program gains no ids, as in Apptainer without "
     "--allow-setuid (which is root's there)"},
    {"--security", every_command, "security options (SELinux, AppArmor, seccomp profiles) are not in hpc yet"},
    {"--apply-cgroups", actions, resource_limits},
    {"--blkio-weight", actions, resource_limits},
    {"--blkio-weight-device", actions, resource_limits},
    {"--cpu-shares", actions, resource_limits},
    {"--cpus", actions, resource_limits},
    {"--cpuset-cpus", actions, resource_limits},
    {"--cpuset-mems", actions, resource_limits},
    {"--memory", actions, resource_limits},
    {"--memory-reservation", actions, resource_limits},
    {"--memory-swap", actions, resource_limits},
    {"--oom-kill-disable", actions, resource_limits},
    {"--pids-limit", actions, resource_limits},
    {"--dmtcp-launch", actions, checkpointing},
    {"--dmtcp-restart", actions, checkpointing},
    {"--fusemount", actions,
     "FUSE mounts in the container are not in hpc yet: mount it on the host (sshfs...) and bind it with -B, or bind "
     "an image file's file system with -B FILE:DIR:image-src=/"},
    {"--boot", every_command, "booting the image's init needs root on the host (in Apptainer too): not in hpc"},
    {"--sharens", actions,
     "hpc's launches of an image on a node share one mount of it by themselves (--no-share turns that off): leave "
     "--sharens out"},
    {"--uts", actions, "hpc makes a UTS namespace for --hostname NAME, which is what one is for"},
    {"--no-pid", actions, "hpc makes a PID namespace only for --pid, --containall or --compat: leave those out"},
    {"--no-nv", actions, "hpc binds NVIDIA's driver only for --nv: leave --no-nv out"},
    {"--no-rocm", actions, "hpc binds ROCm only for --rocm: leave --no-rocm out"},
    {"--compat32", actions_and_build, "32-bit GPU libraries are not in hpc yet: --nv and --rocm bind the 64-bit ones"},
    {"--intel-hpu", actions,
     "Intel Gaudi support is not in hpc yet: a CDI spec of the devices gives them with --device VENDOR/CLASS=NAME"},
    {"--netns-path", actions,
     "joining a network namespace is not in hpc: --network none or slirp make one of the container's own"},
    {"--containlibs", actions, "bind the libraries with -B and add their directory with --env LD_LIBRARY_PATH=..."},
    {"--underlay", actions,
     "hpc makes the mount points an image lacks without an underlay or an overlay: leave --underlay out"},
    {"--unsquash", actions,
     "hpc serves a SIF's squashfs itself, never unpacked; hpc build --sandbox DIR IMAGE makes a directory of it"},
    {"--tmpdir", actions, "hpc never unpacks an image to run it: leave --tmpdir out (build's and pull's have one)"},
    {"--runscript-timeout", actions,
     "hpc runs the runscript with the image's own /bin/sh, which nothing times out: leave --runscript-timeout out"},
    {"--ignore-subuid", actions,
     "not in hpc's actions: --fakeroot maps your subordinate ids when /etc/subuid has them, else your own id alone"},
    {"--ignore-fakeroot-command", actions_and_build,
     "hpc never runs fakeroot(1): --fakeroot without subordinate ids is one id, chown ignored through a seccomp "
     "filter; leave the option out"},
    {"--oci", every_command, "Apptainer's OCI mode is not in hpc yet"},

    // Registries, wherever an image may come from one.
    {"--docker-username", registry_users, credentials},
    {"--docker-password", registry_users, credentials},
    {"--docker-host", registry_users, docker_daemon},
    {"--library", build_scope | pull_scope, registries},
    {"--arch-variant", build_scope | pull_scope,
     "choosing a variant is not in hpc: --arch takes the entry without one, or the architecture's baseline (arm64's "
     "v8), first"},
    {"--no-cleanup", build_scope | pull_scope, "hpc removes its work area whatever happens: leave --no-cleanup out"},

    // build.
    {"--remote", every_command, "remote builds are not in hpc yet"},
    {"--encrypt", every_command, encryption},
    {"-e", build_scope, encryption},
    {"--passphrase", every_command, encryption},
    {"--pem-path", every_command, encryption},
    {"-u", build_scope, update},
    {"--update", build_scope, update},
    {"--data", build_scope,
     "data partitions are not in hpc yet: mksquashfs DIR data.sqfs makes an image -B data.sqfs:/data:image-src=/ "
     "binds"},
    {"--section", build_scope, "building some sections alone is not in hpc: hpc build runs them all (-T leaves out %test)"},
    {"--json", build_scope, "JSON definitions are not in hpc: write a definition file"},
    {"--fix-perms", build_scope,
     "not in hpc yet: hpc build --sandbox DIR SOURCE, chmod -R u+rwX DIR, then hpc build IMAGE.sif DIR"},
    {"--mksquashfs-args", build_scope, "hpc writes the squashfs itself (libsquashfs): --compression picks the compressor"},
    {"--mount", build_scope, "hpc build binds with -B SRC[:DST[:ro]]"},
    {"--writable-tmpfs", build_scope, "hpc build's %test sees the image read-only: a writable tmpfs for it is not in hpc yet"},
    {"--reproducible", build_scope,
     "SOURCE_DATE_EPOCH=SECONDS makes hpc build reproducible: the same tree gives the same bytes"},
    {"--ignore-proot", build_scope, "hpc never uses proot: leave --ignore-proot out"},
    {"--buildkit-host", build_scope,
     "Dockerfiles are not in hpc: build with docker or podman, save it (docker save -o image.tar IMAGE), then hpc build "
     "image.sif docker-archive:image.tar"},

    // pull.
    {"--name", pull_scope, "hpc pull takes the file's name as its first word: hpc pull NAME.sif docker://..."},
    {"--sandbox", pull_scope, "hpc pull makes a SIF: hpc build --sandbox DIR NAME.sif then makes a directory of it"},
    {"-U", pull_scope, no_signatures},
    {"--allow-unsigned", pull_scope, no_signatures},
    {"--allow-unauthenticated", pull_scope, no_signatures},
};

// Apptainer's transports (internal/pkg/util/uri's validURIs).
// docker:// and oras:// are hpc's too (image/registry).
constexpr std::string_view transports[] = {"library", "shub", "docker-daemon", "http", "https", "buildkit",
                                           "dockerfile", "ipfs"};
// What `hpc build` reads (image/oci): only actions answer them.
constexpr std::string_view local_transports[] = {"oci", "oci-archive", "docker-archive"};

template <std::size_t size>
std::optional<std::string_view> find(const Answer (&table)[size], std::string_view word) {
    for (const Answer& entry : table)
        if (entry.word == word) return entry.answer;
    return std::nullopt;
}

}  // namespace

std::optional<std::string_view> apptainer_command_answer(std::string_view path) { return find(commands, path); }

std::optional<std::string_view> apptainer_option_answer(std::string_view command, std::string_view option) {
    unsigned scope = command_scope(command);
    for (const OptionAnswer& entry : options)
        if (entry.word == option && (entry.scopes == every_command || (entry.scopes & scope) != 0)) return entry.answer;
    return std::nullopt;
}

std::optional<std::string_view> image_reference_answer(std::string_view word) {
    std::size_t colon = word.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view transport = word.substr(0, colon);
    if (transport == "instance") return std::nullopt;  // an instance of the user's (instance_entry.hpp)
    if (std::find(std::begin(local_transports), std::end(local_transports), transport) != std::end(local_transports))
        return local_oci;
    if (std::find(std::begin(transports), std::end(transports), transport) != std::end(transports)) return registries;
    return std::nullopt;
}

}  // namespace hpc::cmd
