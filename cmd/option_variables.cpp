#include "cmd/option_variables.hpp"

#include <array>

namespace hpc::cmd {
namespace {

// Facts from Apptainer's flag definitions (the EnvKeys of cmd/internal/cli/apptainer.go,
// action_flags.go and build.go, 1.4) and its user guide's list of variables. A flag without
// EnvKeys has no variable there and has none here: --env, --build-arg, build's -B (so, as in
// Apptainer, APPTAINER_BIND does not reach a build's %post). Left out on purpose: the action
// commands' hidden --tmpdir, which Apptainer uses only to unpack an image, something hpc never
// does (hpc build's --tmpdir is below), and the flags of commands hpc has not got (plugin, key...).
// pull's are from its pull.go (1.4).
constexpr unsigned actions = action_scope;
constexpr unsigned actions_and_build = action_scope | build_scope;
constexpr unsigned registry_users = action_scope | build_scope | pull_scope;
using enum ValueKind;

constexpr auto table = std::to_array<OptionVariable>({
    // The root command's.
    {global_scope, "--debug", "DEBUG", boolean},
    {global_scope, "--nocolor", "NOCOLOR", boolean, WhenAbsent::met},  // hpc prints no colour
    {global_scope, "--silent", "SILENT", boolean},
    {global_scope, "--quiet", "QUIET", boolean},
    {global_scope, "--verbose", "VERBOSE", boolean},
    {global_scope, "--config", "CONFIG_FILE", value, WhenAbsent::warn,
     "hpc reads only the site's configuration, fixed when hpc was built"},
    {global_scope, "", "MESSAGELEVEL", value, WhenAbsent::warn, "hpc has no numeric message level"},

    // exec, run, shell and test.
    {actions, "--app", "APP APPNAME", value},
    {actions, "--bind", "BIND BINDPATH", append},
    {actions_and_build, "--mount", "MOUNT", append},
    {actions, "--home", "HOME", value},
    {actions, "--overlay", "OVERLAY OVERLAYIMAGE", list},
    // Sites set HPC_SCRATCH and HPC_WORKDIR to their scratch file system: Apptainer's names alone.
    {actions, "--scratch", "SCRATCH SCRATCHDIR", list, WhenAbsent::warn, {}, Prefixes::apptainer},
    {actions, "--workdir", "WORKDIR", value, WhenAbsent::warn, {}, Prefixes::apptainer},
    {registry_users, "--disable-cache", "DISABLE_CACHE", boolean},
    {shell_scope, "--shell", "SHELL", value},
    // --cwd and the hidden --pwd are one option in hpc; Apptainer's guide calls PWD deprecated.
    {actions, "--pwd", "CWD TARGET_CWD PWD TARGET_PWD", value},
    {actions, "--hostname", "HOSTNAME", value},
    {actions, "--network", "NETWORK", value},
    {actions, "--network-args", "NETWORK_ARGS", list},
    {actions, "--dns", "DNS", list},
    {actions, "--security", "SECURITY", list},
    {actions, "--apply-cgroups", "APPLY_CGROUPS", value},
    {actions, "--containlibs", "CONTAINLIBS", list},
    {actions, "--fusemount", "FUSESPEC", list},
    {actions_and_build, "--fakeroot", "FAKEROOT", boolean},
    {actions, "--cleanenv", "CLEANENV", boolean},
    {actions, "--compat", "COMPAT", boolean},
    {actions, "--contain", "CONTAIN", boolean},
    {actions, "--containall", "CONTAINALL", boolean},
    {actions, "--nv", "NV", boolean},
    {actions_and_build, "--nvccli", "NVCCLI", boolean},
    {actions, "--compat32", "COMPAT32", boolean},
    {actions, "--rocm", "ROCM", boolean},
    {actions, "--writable", "WRITABLE", boolean},
    {actions_and_build, "--writable-tmpfs", "WRITABLE_TMPFS", boolean},
    {actions, "--no-home", "NO_HOME", boolean},
    {actions, "--no-mount", "NO_MOUNT", list},
    // NOSHIMINIT is the flag's key; the guide names NO_INIT too.
    {actions, "--no-init", "NOSHIMINIT NO_INIT", boolean},
    {actions, "--no-nv", "NV_OFF NO_NV", boolean},
    {actions, "--no-rocm", "ROCM_OFF NO_ROCM", boolean},
    {actions, "--pid", "PID UNSHARE_PID", boolean},
    {actions, "--no-pid", "NO_PID", boolean},
    {actions, "--ipc", "IPC UNSHARE_IPC", boolean},
    {actions, "--net", "NET UNSHARE_NET", boolean},
    {actions, "--uts", "UTS UNSHARE_UTS", boolean},
    {actions, "--userns", "USERNS UNSHARE_USERNS", boolean, WhenAbsent::met},  // hpc always runs in one
    {actions, "--keep-privs", "KEEP_PRIVS", boolean},
    {actions, "--no-privs", "NO_PRIVS", boolean},
    {actions, "--add-caps", "ADD_CAPS", list},
    {actions, "--drop-caps", "DROP_CAPS", list},
    {actions, "--allow-setuid", "ALLOW_SETUID", boolean},
    {actions, "--no-env", "NOENV", list},
    {actions, "--env-file", "ENV_FILE", list},
    {actions, "--no-umask", "NO_UMASK", boolean},
    {actions, "--no-eval", "NO_EVAL", boolean},
    {actions, "--dmtcp-launch", "DMTCP_LAUNCH", value},
    {actions, "--dmtcp-restart", "DMTCP_RESTART", value},
    {actions, "--blkio-weight", "BLKIO_WEIGHT", value},
    {actions, "--blkio-weight-device", "BLKIO_WEIGHT_DEVICE", list},
    {actions, "--cpu-shares", "CPU_SHARES", value},
    {actions, "--cpus", "CPUS", value},  // the guide's name (the flag reuses CPU_SHARES by mistake)
    {actions, "--cpuset-cpus", "CPUSET_CPUS", value},
    {actions, "--cpuset-mems", "CPUSET_MEMS", value},
    {actions, "--memory", "MEMORY", value},
    {actions, "--memory-reservation", "MEMORY_RESERVATION", value},
    {actions, "--memory-swap", "MEMORY_SWAP", value},
    {actions, "--oom-kill-disable", "OOM_KILL_DISABLE", boolean},
    {actions, "--pids-limit", "PIDS_LIMIT", value},
    {actions, "--unsquash", "UNSQUASH", boolean},
    {actions_and_build, "--ignore-subuid", "IGNORE_SUBUID", boolean},
    {actions_and_build, "--ignore-fakeroot-command", "IGNORE_FAKEROOT_COMMAND", boolean},
    {actions_and_build, "--ignore-userns", "IGNORE_USERNS", boolean},
    {actions, "--underlay", "UNDERLAY", boolean},
    {actions, "--sharens", "SHARENS", boolean},
    {actions, "--runscript-timeout", "RUNSCRIPT_TIMEOUT", value},
    {actions, "--netns-path", "NETNS_PATH", value},
    {actions, "--intel-hpu", "INTEL_HPU", boolean},
    {registry_users, "--no-https", "NOHTTPS NO_HTTPS", boolean},
    {registry_users, "--docker-login", "DOCKER_LOGIN", boolean},
    {actions_and_build, "--docker-host", "DOCKER_HOST", value},
    // Read where credentials are looked for (image/registry/credentials.cpp), HPC_ ones first.
    {registry_users, "", "DOCKER_USERNAME", value, WhenAbsent::met},
    {registry_users, "", "DOCKER_PASSWORD", value, WhenAbsent::met},
    {actions, "--mpi", "MPI", value, WhenAbsent::warn, {}, Prefixes::hpc},
    {actions, "--no-share", "NO_SHARE", boolean, WhenAbsent::warn, {}, Prefixes::hpc},
    {actions, "--share-linger", "SHARE_LINGER", value, WhenAbsent::warn, {}, Prefixes::hpc},

    // build.
    {build_scope, "--sandbox", "SANDBOX", boolean},
    {build_scope, "--force", "FORCE", boolean},
    {build_scope, "--notest", "NOTEST", boolean},
    {build_scope, "--tmpdir", "TMPDIR", value},
    {build_scope, "--data", "DATA", boolean},
    {build_scope, "--section", "SECTION", list},
    {build_scope, "--json", "JSON", boolean},
    {build_scope, "--update", "UPDATE", boolean},
    {build_scope, "--arch", "BUILD_ARCH", value},
    {build_scope, "--arch-variant", "BUILD_ARCH_VARIANT", value},
    {build_scope, "--library", "LIBRARY", value},
    {build_scope, "--no-cleanup", "NO_CLEANUP", boolean},
    {build_scope, "--fix-perms", "FIXPERMS", boolean},
    {build_scope, "--mksquashfs-args", "MKSQUASHFS_ARGS", value},
    {build_scope, "--userns", "USERNS", boolean, WhenAbsent::met},
    {build_scope, "--ignore-proot", "IGNORE_PROOT", boolean},
    {build_scope, "--reproducible", "REPRODUCIBLE", boolean},
    {build_scope, "--buildkit-host", "BUILDKIT_HOST", value},
    {build_scope, "", "CACHEDIR", value, WhenAbsent::read},  // the cache's root (image/cache/cache_location.hpp)
    {build_scope, "--compression", "COMPRESSION", value, WhenAbsent::warn, {}, Prefixes::hpc},

    // pull.
    {pull_scope, "--force", "FORCE", boolean},
    {pull_scope, "--arch", "PULL_ARCH", value},
    {pull_scope, "--arch-variant", "PULL_ARCH_VARIANT", value},
    {pull_scope, "--dir", "PULLDIR PULLFOLDER", value},
    {pull_scope, "--tmpdir", "TMPDIR", value},
    {pull_scope, "--library", "LIBRARY", value, WhenAbsent::warn, "hpc pulls no library:// images"},
    {pull_scope, "--name", "PULL_NAME", value},
    {pull_scope, "--allow-unsigned", "ALLOW_UNSIGNED", boolean, WhenAbsent::met},  // hpc checks no signatures
});

}  // namespace

std::span<const OptionVariable> option_variables() { return table; }

unsigned command_scope(std::string_view path) {
    if (path.empty()) return global_scope;
    // Apptainer registers the actions' options on instance start and run too.
    if (path == "exec" || path == "run" || path == "test" || path == "instance start" || path == "instance run")
        return action_scope;
    if (path == "shell") return action_scope | shell_scope;
    if (path == "build") return build_scope;
    if (path == "pull") return pull_scope;
    return 0;
}

}  // namespace hpc::cmd
