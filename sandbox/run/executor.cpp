#include "sandbox/run/executor.hpp"

#include "common/error.hpp"
#include "common/exact_path.hpp"
#include "common/path_in_root.hpp"
#include "common/write_file.hpp"
#include "sandbox/run/mount_ops.hpp"
#include "sandbox/run/shadow_directory.hpp"
#include "sandbox/run/terminal.hpp"
#include "sandbox/run/work_directory.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

struct stat stat_of(int fd, const std::string& what) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) throw_errno("stat " + what);
    return status;
}

struct stat stat_of(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) throw_errno("stat " + path);
    return status;
}

// The deepest directory on the way to `path` that exists: where a new entry must be made.
std::string deepest_existing(const std::string& path) {
    std::string at = path;
    struct stat status {};
    while (at.size() > new_root.size() && ::lstat(at.c_str(), &status) != 0) at.erase(at.rfind('/'));
    return at;
}

// The component of `path` right below `directory` (which is a prefix of it).
std::string next_component(const std::string& path, const std::string& directory) {
    std::size_t start = directory.size() + 1;
    return path.substr(start, path.find('/', start) - start);
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
    own("/");
    // While the container is assembled, the host's /proc and /dev stay where programs look for
    // them (/proc/self/..., /dev/fuse): the image's server and the id maps it reads need them.
    for (const char* host_tree : {"/proc", "/dev"})
        if (::symlink((hooks_.host_root + host_tree).c_str(), host_tree) != 0)
            throw_errno(std::string("symlink ") + host_tree);

    const RootPlan& root = plan_.root;
    std::string image_target = root.layered() ? lower_dir : new_root;
    if (root.layered()) make_mount_point(lower_dir, true);
    if (root.source == RootPlan::Source::squashfs) {
        hooks_.mount_squashfs(image_target);
        own(image_target);
        // The image alone (none of the binds that will go on it), for launchers that join.
        make_mount_point(staged_image_for_joiners, true);
        bind_mount(image_target, staged_image_for_joiners, false);
    } else {
        mount_root_directory(image_target);
    }
    mount_images();
    if (root.layered()) mount_layers();
}

void Executor::mount_images() {
    if (plan_.images.empty()) return;
    make_mount_point(staged_images, true);
    // fuse2fs and fuse-overlayfs are the host's programs, run from the staging root: their
    // directories, loader, libraries and /etc are found there as the host's tree below it.
    if (has_ext_image(plan_.images))
        for (const char* host_tree : {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc"})
            if (::symlink((hooks_.host_root + host_tree).c_str(), host_tree) != 0)
                throw_errno(std::string("symlink ") + host_tree);
    for (std::size_t index = 0; index < plan_.images.size(); ++index) {
        const ImageMount& image = plan_.images[index];
        std::string target = std::string(staged_images) + "/" + std::to_string(index);
        make_mount_point(target, true);
        try {
            if (image.file_system == ImageMount::FileSystem::ext3)
                ext_servers_.emplace_back(image, hooks_.host_root, target, plan_.uid_map.size() > 1);
            else
                hooks_.mount_image(index, target);
        } catch (const Error& error) {
            throw error.within(image.purpose);
        }
        own(target);
    }
}

std::string Executor::staged_image_path(std::size_t index, const std::string& path) const {
    std::string root = std::string(staged_images) + "/" + std::to_string(index);
    return root + resolve_in_root(path, [&root](const std::string& inside) { return read_link(root + inside); });
}

void Executor::mount_layers() {
    // Each directory is opened once, checked to be exactly the path the planner judged, and
    // given to overlayfs as its descriptor's /proc/self/fd/N, held open until the mount is made.
    std::vector<UniqueFd> held;
    auto subdirectory = [&](int parent, const char* name, const std::string& what) {
        UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) throw_errno("open " + what + "/" + name);
        return fd;
    };
    std::string lowers;  // the top first, as overlayfs lists them
    std::string upper, work;
    bool upper_on_fuse2fs = false;  // the writable layer is an ext image's: fuse-overlayfs stacks it
    for (auto layer = plan_.root.layers.rbegin(); layer != plan_.root.layers.rend(); ++layer) {
        std::string what = layer->image ? plan_.images[*layer->image].purpose : "--overlay " + layer->directory;
        UniqueFd directory = layer->image ? open_exact(staged_image_path(*layer->image, "/"), O_DIRECTORY, what)
                                          : open_exact(hooks_.host_root + layer->directory, O_DIRECTORY, what);
        if (layer->writable) {
            upper_on_fuse2fs = layer->image.has_value();
            if (!upper_on_fuse2fs) check_overlay_upper(directory.get(), what);
            // Apptainer's layout: upper/ takes the writes, work/ is overlayfs's own.
            for (const char* name : {"upper", "work"})
                if (::mkdirat(directory.get(), name, 0755) != 0 && errno != EEXIST)
                    throw_errno("mkdir " + what + ": " + name);
            UniqueFd upper_fd = subdirectory(directory.get(), "upper", what);
            UniqueFd work_fd = subdirectory(directory.get(), "work", what);
            upper = descriptor_link(upper_fd.get());
            work = descriptor_link(work_fd.get());
            held.push_back(std::move(upper_fd));
            held.push_back(std::move(work_fd));
            continue;
        }
        // A writable overlay used read-only shows what it took: its upper/.
        if (::faccessat(directory.get(), "upper", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            directory = subdirectory(directory.get(), "upper", what);
        lowers += descriptor_link(directory.get()) + ":";
        held.push_back(std::move(directory));
    }
    lowers += lower_dir;
    if (plan_.root.overlay) {
        make_mount_point(overlay_dir, true);
        mount_tmpfs(overlay_dir, "mode=0755");
        make_mount_point(overlay_dir + "/upper", true);
        make_mount_point(overlay_dir + "/work", true);
        upper = overlay_dir + "/upper";
        work = overlay_dir + "/work";
    }
    if (upper_on_fuse2fs) {
        std::vector<int> kept;
        for (const UniqueFd& fd : held) kept.push_back(fd.get());
        overlay_server_ = start_fuse_overlay(lowers, upper, work, new_root, kept, plan_.uid_map.size() > 1);
    } else {
        mount_overlay(lowers, upper, work, new_root);
    }
    own(new_root);
}

Executor::~Executor() {
    // From the top: fuse-overlayfs first (told to end while mounted, it unmounts itself and lets
    // go of the files it holds in fuse2fs's mount), or the kernel's overlay and binds that use
    // fuse2fs's mounts; then each fuse2fs, which writes its file system clean.
    if (overlay_server_)
        overlay_server_->stop();
    else if (!ext_servers_.empty())
        (void)::umount2(new_root.c_str(), MNT_DETACH);
    for (auto server = ext_servers_.rbegin(); server != ext_servers_.rend(); ++server) server->stop();
}

std::vector<pid_t> Executor::server_pids() const {
    std::vector<pid_t> pids;
    for (const ExtImageServer& server : ext_servers_) pids.push_back(server.pid());
    if (overlay_server_) pids.push_back(overlay_server_->pid());
    return pids;
}

void Executor::mount_root_directory(const std::string& target) {
    const RootPlan& root = plan_.root;
    // The directory the site's policy judged, and no other: what is at its path now must be it.
    UniqueFd directory = open_exact(hooks_.host_root + root.directory, O_DIRECTORY, root.directory);
    struct stat status = stat_of(directory.get(), root.directory);
    if (root.directory_inode != 0 &&
        (status.st_dev != root.directory_device || status.st_ino != root.directory_inode))
        throw Error(ExitCode::denied, root.directory + ": replaced by another directory while hpc used it");
    // Writes to a directory the user cannot write would fail, or, where hpc covers a directory
    // to make a mount point, vanish with the run: --writable refuses it from the start.
    if (root.writable && ::access(descriptor_link(directory.get()).c_str(), W_OK) != 0) {
        int err = errno;
        throw Error(ExitCode::denied, root.directory + ": --writable, but the image is not writable by you (" +
                                          std::strerror(err) + ")",
                    err);
    }
    bind_mount(descriptor_link(directory.get()), target, false, root.directory);
    if (root.build_stage) own(target);
    if (!root.writable && !root.layered()) remount_read_only(target);
}

void Executor::own(const std::string& mounted) { own_devices_.insert(stat_of(mounted).st_dev); }

void Executor::make_room(const std::string& target, bool directory) {
    // One missing component at a time, each made through a descriptor of the directory above
    // it, checked to be that directory (no link followed) and on a file system hpc mounted
    // itself: a host directory (a bind, a sandbox image) is covered first, never written.
    struct stat status {};
    for (std::size_t made = 0; ::lstat(target.c_str(), &status) != 0; ++made) {
        if (made > PATH_MAX / 2) throw Error(ExitCode::software, "mount point " + target + ": no end in sight");
        std::string holder = deepest_existing(target);
        UniqueFd holder_fd = open_exact(holder, O_DIRECTORY, "mount point " + target);
        if (!own_devices_.contains(stat_of(holder_fd.get(), holder).st_dev)) {
            cover(holder, target);
            continue;
        }
        std::string name = next_component(target, holder);
        bool last = holder + "/" + name == target;
        int result = last && !directory ? ::mknodat(holder_fd.get(), name.c_str(), S_IFREG | 0644, 0)
                                        : ::mkdirat(holder_fd.get(), name.c_str(), 0755);
        if (result == 0 || errno == EEXIST) continue;
        int err = errno;
        // The image's server may refuse a new entry (a read-only squashfs): cover it as a host's.
        bool covered = std::find(shadows_.begin(), shadows_.end(), holder) != shadows_.end();
        if (!shadowing_helps(err) || covered) throw_errno((last ? "create " : "mkdir ") + holder + "/" + name, err);
        cover(holder, target);
    }
}

void Executor::make_link(const std::string& target, const std::string& points_to) {
    std::string directory = target.substr(0, target.rfind('/'));
    std::string name = target.substr(target.rfind('/') + 1);
    make_room(directory, true);
    for (bool covered = false;; covered = true) {
        UniqueFd directory_fd = open_exact(directory, O_DIRECTORY, "symlink " + target);
        if (own_devices_.contains(stat_of(directory_fd.get(), directory).st_dev)) {
            // One already there (the image's own, or a link made before) is left as it is.
            if (::symlinkat(points_to.c_str(), directory_fd.get(), name.c_str()) == 0 || errno == EEXIST) return;
            int err = errno;
            if (covered || !shadowing_helps(err)) throw_errno("symlink " + target + " -> " + points_to, err);
        } else if (covered) {
            throw Error(ExitCode::software, "symlink " + target + ": its directory is no file system of hpc's");
        }
        cover(directory, target);
    }
}

void Executor::cover(const std::string& directory, const std::string& mount_point) {
    if (plan_.root.writable && hooks_.warn) {
        std::string inside = directory == new_root ? "/" : directory.substr(new_root.size());
        std::string point = mount_point.substr(new_root.size());
        hooks_.warn("--writable: no " + point + " in the image to mount over: " + inside +
                    " is covered by a copy for this run, so entries made directly in it are not kept (make " + point +
                    " in the image to keep them)");
    }
    std::string parking = shadows_dir + "/" + std::to_string(shadows_.size());
    shadow_directory(directory, parking);
    shadows_.push_back(directory);
    own(directory);
}

void Executor::apply(const MountStep& step, std::size_t index) {
    std::string target = staged_target(step.target);
    bool directory = step.is_directory;
    // A bind mounts what the planner checked against the site's policy, through a descriptor
    // of exactly that path: a link swapped into it since would lead elsewhere, and is refused.
    UniqueFd source;
    if (step.kind == MountKind::bind) {
        source = open_exact(hooks_.host_root + step.source, 0, "bind source " + step.source);
        directory = S_ISDIR(stat_of(source.get(), step.source).st_mode);
    } else if (step.kind == MountKind::work_directory) {
        UniqueFd workdir = open_exact(hooks_.host_root + step.source, O_DIRECTORY, "-W " + step.source);
        source = open_work_directory(workdir.get(), step.subdirectory, step.mode, step.source);
    } else if (step.kind == MountKind::image) {
        // A path in a file system hpc mounted read-only itself, its links resolved inside it.
        std::string inside = staged_image_path(step.image, step.source);
        source = open_exact(inside, 0, "image source " + step.source);
        directory = S_ISDIR(stat_of(source.get(), step.source).st_mode);
    }

    if (step.kind == MountKind::symlink) return make_link(target, step.source);
    make_room(target, directory);
    if (step.kind != MountKind::devpts && step.kind != MountKind::proc) {
        struct stat status {};
        if (::stat(target.c_str(), &status) == 0 && S_ISDIR(status.st_mode) != directory)
            throw Error(ExitCode::data, std::string(directory ? "a directory" : "a file") + " cannot go on " +
                                            step.target + ", which is " +
                                            (directory ? "a file" : "a directory") + " in the container");
    }
    switch (step.kind) {
    case MountKind::image:
        bind_mount(descriptor_link(source.get()), target, false, step.source);
        remount_read_only(target);
        break;
    case MountKind::work_directory:
        bind_mount(descriptor_link(source.get()), target, true, step.source + "/" + step.subdirectory);
        break;
    case MountKind::bind:
        // A directory comes with the host's mounts under it (cgroups under /sys, a job's
        // mount under /tmp): a user namespace may not bind it without them (they are locked
        // to it, and mount(2) says EINVAL), and the container sees what the host sees there.
        bind_mount(descriptor_link(source.get()), target, directory, step.source);
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
        own(target);
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
    // A read-only tmpfs (/dev) once what goes below it is there.
    for (const MountStep& step : plan_.mounts)
        if (step.kind == MountKind::tmpfs && step.read_only) remount_read_only(staged_target(step.target));
    if (!plan_.root.takes_writes()) {
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
    if (!plan_.terminal.empty()) reopen_terminal_at(plan_.terminal);
    return enter_working_directory(plan_, hooks_.warn);
}

std::string enter_working_directory(const LaunchPlan& plan, const std::function<void(const std::string&)>& warn) {
    const std::vector<std::string>& candidates = plan.working_directories;
    for (std::size_t index = 0; index < candidates.size(); ++index) {
        if (::chdir(candidates[index].c_str()) == 0) return candidates[index];
        int err = errno;
        if (plan.working_directory_required)
            throw Error(ExitCode::no_input, "--pwd " + candidates[index] + ": " + std::strerror(err) +
                                                " in the container", err);
        if (index + 1 < candidates.size() && warn)
            warn("cannot enter " + candidates[index] + " in the container (" + std::strerror(err) +
                        "): starting in " + candidates[index + 1]);
    }
    throw Error(ExitCode::os, "no working directory can be entered in the container");
}

}  // namespace hpc::sandbox
