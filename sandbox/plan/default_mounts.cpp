#include "sandbox/plan/default_mounts.hpp"

#include <algorithm>
#include <array>

namespace hpc::sandbox {
namespace {

// When a row's host source is replaced by something fresh.
enum class Fresh {
    never,
    when_contained,          // --contain: a tmpfs of its own
    when_contained_or_ipc,   // --contain or --ipc: a tmpfs of its own
    when_pid,                // --pid: a procfs of the new PID namespace
};

struct Row {
    std::string_view group;   // the --no-mount name that removes it
    std::string_view target;
    MountKind kind;
    std::string_view source;  // host path (bind), link target (symlink), mount data (tmpfs)
    bool directory;
    bool optional;            // a host without it skips the row
    Fresh fresh;
};

// /dev is a small tmpfs with the host's harmless devices bound in (a user namespace cannot
// mknod), a devpts of its own, and the host's /dev/shm, so MPI ranks of a node share memory.
// /proc and /sys are the host's unless a PID namespace asks for a /proc of its own.
// resolv.conf, hosts and localtime are Apptainer's default "bind path" entries.
constexpr std::array rows = {
    Row{"proc", "/proc", MountKind::bind, "/proc", true, false, Fresh::when_pid},
    Row{"sys", "/sys", MountKind::bind, "/sys", true, false, Fresh::never},
    Row{"dev", "/dev", MountKind::tmpfs, "mode=0755,size=1m", true, false, Fresh::never},
    Row{"dev", "/dev/null", MountKind::bind, "/dev/null", false, false, Fresh::never},
    Row{"dev", "/dev/zero", MountKind::bind, "/dev/zero", false, false, Fresh::never},
    Row{"dev", "/dev/full", MountKind::bind, "/dev/full", false, false, Fresh::never},
    Row{"dev", "/dev/random", MountKind::bind, "/dev/random", false, false, Fresh::never},
    Row{"dev", "/dev/urandom", MountKind::bind, "/dev/urandom", false, false, Fresh::never},
    Row{"dev", "/dev/tty", MountKind::bind, "/dev/tty", false, true, Fresh::never},
    Row{"dev", "/dev/fd", MountKind::symlink, "/proc/self/fd", false, false, Fresh::never},
    Row{"dev", "/dev/stdin", MountKind::symlink, "/proc/self/fd/0", false, false, Fresh::never},
    Row{"dev", "/dev/stdout", MountKind::symlink, "/proc/self/fd/1", false, false, Fresh::never},
    Row{"dev", "/dev/stderr", MountKind::symlink, "/proc/self/fd/2", false, false, Fresh::never},
    Row{"dev", "/dev/shm", MountKind::bind, "/dev/shm", true, true, Fresh::when_contained_or_ipc},
    Row{"devpts", "/dev/pts", MountKind::devpts, "", true, false, Fresh::never},
    Row{"devpts", "/dev/ptmx", MountKind::symlink, "pts/ptmx", false, false, Fresh::never},
    Row{"tmp", "/tmp", MountKind::bind, "/tmp", true, false, Fresh::when_contained},
    Row{"tmp", "/var/tmp", MountKind::bind, "/var/tmp", true, true, Fresh::when_contained},
    Row{"bind-paths", "/etc/resolv.conf", MountKind::bind, "/etc/resolv.conf", false, true, Fresh::never},
    Row{"bind-paths", "/etc/hosts", MountKind::bind, "/etc/hosts", false, true, Fresh::never},
    Row{"bind-paths", "/etc/localtime", MountKind::bind, "/etc/localtime", false, true, Fresh::never},
};

bool is_fresh(Fresh fresh, const DefaultMountContext& context) {
    switch (fresh) {
    case Fresh::never:
        return false;
    case Fresh::when_contained:
        return context.contain;
    case Fresh::when_contained_or_ipc:
        return context.contain || context.ipc;
    case Fresh::when_pid:
        return context.pid;
    }
    return false;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

MountStep step_for(const Row& row, const DefaultMountContext& context) {
    MountStep step;
    step.target = row.target;
    step.is_directory = row.directory;
    step.optional = row.optional;
    step.purpose = std::string(row.group);
    if (is_fresh(row.fresh, context)) {
        step.kind = row.fresh == Fresh::when_pid ? MountKind::proc : MountKind::tmpfs;
        if (step.kind == MountKind::tmpfs) step.options = "mode=1777";
        step.optional = false;
        return step;
    }
    step.kind = row.kind;
    if (row.kind == MountKind::tmpfs) {
        step.options = row.source;
        // /dev holds the binds and links below it and nothing the container makes: read-only
        // once staged, as the host's /dev is to its user (Apptainer binds that one).
        step.read_only = true;
    } else {
        step.source = row.source;
    }
    return step;
}

}  // namespace

bool is_default_mount_name(std::string_view name) {
    if (name == "cwd" || name == "home" || name == "hostfs") return true;
    return std::any_of(rows.begin(), rows.end(),
                       [&](const Row& row) { return row.group == name || row.target == name; });
}

std::vector<MountStep> default_mounts(const DefaultMountContext& context,
                                      const std::vector<std::string>& disabled) {
    std::vector<MountStep> steps;
    bool dev_disabled = contains(disabled, "dev");
    for (const Row& row : rows) {
        if (contains(disabled, row.group) || contains(disabled, row.target)) continue;
        // devpts lives in our /dev tmpfs; without it there is nowhere to put it.
        if (row.group == "devpts" && dev_disabled) continue;
        steps.push_back(step_for(row, context));
    }
    return steps;
}

}  // namespace hpc::sandbox
