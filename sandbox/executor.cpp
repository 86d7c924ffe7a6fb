#include "sandbox/executor.hpp"

#include "common/error.hpp"
#include "common/path_in_root.hpp"
#include "sandbox/mount_ops.hpp"
#include "sandbox/shadow_directory.hpp"

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace hpc::sandbox {
namespace {

const std::string staging_mount = "/tmp";  // in our own mount namespace, so the host never sees it
const std::string new_root = "/newroot";
const std::string old_root = previous_root;
const std::string lower_dir = "/lower";
const std::string overlay_dir = "/overlay";
const std::string files_dir = "/files";
const std::string shadows_dir = "/shadows";

std::optional<std::string> read_link(const std::string& path) {
    char target[PATH_MAX];
    ssize_t length = ::readlink(path.c_str(), target, sizeof target);
    if (length < 0) return std::nullopt;  // not a symlink, or missing: both end the link chain
    return std::string(target, static_cast<size_t>(length));
}

bool is_directory(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) throw_errno("stat " + path);
    return S_ISDIR(status.st_mode);
}

// The deepest directory on the way to `path` that exists: where a new entry must be made.
std::string deepest_existing(const std::string& path) {
    std::string at = path;
    struct stat status {};
    while (at.size() > new_root.size() && ::lstat(at.c_str(), &status) != 0) at.erase(at.rfind('/'));
    return at;
}

}  // namespace

std::string Executor::staged_target(const std::string& container_path) const {
    // Symlinks in the image resolve inside the image's root, never on the host.
    return new_root + resolve_in_root(container_path, [](const std::string& path) {
               return read_link(new_root + path);
           });
}

void Executor::stage_root() {
    make_mounts_private();
    make_mount_point(staging_mount, true);  // a joiner starts in the server's staging root
    mount_tmpfs(staging_mount, "mode=0755");
    for (const std::string& directory : {new_root, old_root, files_dir})
        make_mount_point(staging_mount + directory, true);
    pivot_into(staging_mount, staging_mount + old_root);
    // While the container is assembled, the host's /proc and /dev stay where programs look for
    // them (/proc/self/..., /dev/fuse): the image's server and the id maps it reads need them.
    for (const char* host_tree : {"/proc", "/dev"})
        if (::symlink((hooks_.host_root + host_tree).c_str(), host_tree) != 0)
            throw_errno(std::string("symlink ") + host_tree);

    const RootPlan& root = plan_.root;
    std::string image_target = root.overlay ? lower_dir : new_root;
    if (root.overlay) make_mount_point(lower_dir, true);
    if (root.source == RootPlan::Source::squashfs) {
        hooks_.mount_squashfs(image_target);
        // The image alone (none of the binds that will go on it), for launchers that join.
        make_mount_point(staged_image_for_joiners, true);
        bind_mount(image_target, staged_image_for_joiners, false);
    } else {
        bind_mount(hooks_.host_root + root.directory, image_target, false);
        if (!root.writable && !root.overlay) remount_read_only(image_target);
    }
    if (root.overlay) {
        make_mount_point(overlay_dir, true);
        mount_tmpfs(overlay_dir, "mode=0755");
        make_mount_point(overlay_dir + "/upper", true);
        make_mount_point(overlay_dir + "/work", true);
        mount_overlay(lower_dir, overlay_dir + "/upper", overlay_dir + "/work", new_root);
    }
}

void Executor::make_room(const std::string& target, bool directory) {
    try {
        make_mount_point(target, directory);
        return;
    } catch (const Error& error) {
        if (!shadowing_helps(error.sys_errno())) throw;
    }
    std::string holder = deepest_existing(target);
    std::string parking = shadows_dir + "/" + std::to_string(shadows_.size());
    shadow_directory(holder, parking);
    shadows_.push_back(holder);
    make_mount_point(target, directory);
}

void Executor::apply(const MountStep& step, std::size_t index) {
    std::string target = staged_target(step.target);
    std::string source = hooks_.host_root + step.source;
    bool directory = step.is_directory;
    if (step.kind == MountKind::bind) directory = is_directory(source);

    if (step.kind == MountKind::symlink) {
        if (::symlink(step.source.c_str(), target.c_str()) != 0 && errno != EEXIST)
            throw_errno("symlink " + target + " -> " + step.source);
        return;
    }
    make_room(target, directory);
    if (step.kind == MountKind::bind || step.kind == MountKind::file) {
        struct stat status {};
        if (::stat(target.c_str(), &status) == 0 && S_ISDIR(status.st_mode) != directory)
            throw Error(ExitCode::data, std::string(directory ? "a directory" : "a file") + " cannot go on " +
                                            step.target + ", which is " +
                                            (directory ? "a file" : "a directory") + " in the container");
    }
    switch (step.kind) {
    case MountKind::bind:
        // A directory comes with the host's mounts under it (cgroups under /sys, a job's
        // mount under /tmp): a user namespace may not bind it without them (they are locked
        // to it, and mount(2) says EINVAL), and the container sees what the host sees there.
        bind_mount(source, target, directory);
        if (step.read_only) remount_read_only(target);
        break;
    case MountKind::file: {
        std::string staged = files_dir + "/" + std::to_string(index);
        write_file(staged, step.content, 0644);
        bind_mount(staged, target, false);
        remount_read_only(target);
        break;
    }
    case MountKind::tmpfs:
        mount_tmpfs(target, step.options);
        break;
    case MountKind::devpts:
        mount_devpts(target);
        break;
    case MountKind::proc:
        break;  // mounted by the payload, the only process inside the new PID namespace
    case MountKind::symlink:
        break;
    }
}

void Executor::prepare() {
    try {
        stage_root();
    } catch (const Error& error) {
        throw error.within("staging the image's root");
    }
    for (std::size_t index = 0; index < plan_.mounts.size(); ++index) {
        const MountStep& step = plan_.mounts[index];
        try {
            apply(step, index);
        } catch (const Error& error) {
            throw error.within(step.purpose);
        }
    }
    if (!plan_.root.writable && !plan_.root.overlay) {
        // Deepest first: the root's own cover last, so that none hides another from the remount.
        for (auto shadow = shadows_.rbegin(); shadow != shadows_.rend(); ++shadow)
            if (*shadow != new_root) remount_read_only(*shadow);
        remount_read_only(new_root);
    }
    if (hooks_.root_complete) hooks_.root_complete();
}

std::string Executor::enter() {
    // A mount namespace of the payload's own for the pivot, which would otherwise change the
    // launcher's too: launchers that join it find its staging root as it was (node_share.hpp).
    if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare the payload's mount namespace");
    for (const MountStep& step : plan_.mounts)
        if (step.kind == MountKind::proc) mount_proc(staged_target(step.target));
    pivot_and_detach_old_root(new_root);
    return enter_working_directory();
}

std::string Executor::enter_working_directory() {
    const std::vector<std::string>& candidates = plan_.working_directories;
    for (std::size_t index = 0; index < candidates.size(); ++index) {
        if (::chdir(candidates[index].c_str()) == 0) return candidates[index];
        int err = errno;
        if (plan_.working_directory_required)
            throw Error(ExitCode::no_input, "--pwd " + candidates[index] + ": " + std::strerror(err) +
                                                " in the container", err);
        if (index + 1 < candidates.size() && hooks_.warn)
            hooks_.warn("cannot enter " + candidates[index] + " in the container (" + std::strerror(err) +
                        "): starting in " + candidates[index + 1]);
    }
    throw Error(ExitCode::os, "no working directory can be entered in the container");
}

}  // namespace hpc::sandbox
