// Applying a LaunchPlan with system calls, one step after another, in the plan's order.
// The launcher stages the whole tree (prepare); the payload's process, started then, makes
// what only it can make (a /proc for its PID namespace), pivots into the tree, opens the user's
// terminal again at its container path (terminal.hpp) and enters its working directory (enter).
//
// Staging: a private tmpfs is mounted on /tmp of the new mount namespace and becomes the
// root with pivot_root(2), so the host's tree is at /oldroot and nothing is ever written on
// the host but what -W asks for: the directories below WORKDIR (work_directory.hpp). The container's root is assembled at /newroot; files hpc writes (passwd, group)
// wait in /files; an overlay's upper layer lives in /overlay.
#pragma once

#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/run/ext_image_server.hpp"

#include <sys/types.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace hpc::sandbox {

// In the staging root: where the root it replaced is (the host's, for a launcher that made its
// own namespaces), and where the image's mount is kept for launchers that join (node_share.hpp).
inline constexpr char previous_root[] = "/oldroot";
inline constexpr char staged_image_for_joiners[] = "/image";
// In the staging root: where LaunchPlan::images[N] is mounted, at /images/N, kept as it is for
// launchers that join (its layers and binds are mounts of their own).
inline constexpr char staged_images[] = "/images";

struct ExecutorHooks {
    // Mounts the image's squashfs at `target` (the caller serves it; sandbox knows no SIF).
    std::function<void(const std::string& target)> mount_squashfs;
    // Mounts the squashfs of LaunchPlan::images[index] at `target` (served by the caller too).
    std::function<void(std::size_t index, const std::string& target)> mount_image;
    // Every mount point exists: the image's tree will not change any more.
    std::function<void()> root_complete;
    // A warning for the user (only cmd/ prints).
    std::function<void(const std::string& message)> warn;
    // In the launcher, once the container is up (its payload exec'd, or an instance's init waits
    // alone): `init` is the host's pid of its PID namespace's init, else the payload's.
    std::function<void(pid_t init)> container_started;
    // Where the host's tree is once staging has begun: below the previous root, or, in a
    // launcher that joined another's namespaces (rooted in its staging), below that one's.
    std::string host_root = previous_root;
};

class Executor {
public:
    Executor(const LaunchPlan& plan, ExecutorHooks hooks) : plan_(plan), hooks_(std::move(hooks)) {}
    // Stops the FUSE programs prepare() started (ext_image_server.hpp), the container's tree
    // detached first: keep the launcher's Executor until its payload and their users are gone.
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // In the launcher, inside the new user and mount namespaces. Throws hpc::Error naming
    // the step ("-B /data:/mnt: bind ... : Permission denied").
    void prepare();

    // In the payload's process, after prepare() has finished. Returns the working directory
    // it entered (the first of the plan's that could be entered).
    std::string enter();

    // The FUSE programs prepare() started: children the supervisor must leave alone (supervise's
    // `spared`) until this object stops them.
    std::vector<pid_t> server_pids() const;

private:
    void stage_root();
    void apply(const MountStep& step, std::size_t index);
    // Makes a mount point, covering its directory with a tmpfs copy when the image's own
    // cannot take a new entry (shadow_directory.hpp).
    void make_room(const std::string& target, bool directory);
    // A symlink at `target` (staged) pointing at `points_to`, made as make_room makes a mount
    // point: only on a file system hpc mounted, its directory covered first where need be.
    void make_link(const std::string& target, const std::string& points_to);
    // Covers `directory` with a tmpfs copy of itself (shadow_directory.hpp), for `mount_point`.
    void cover(const std::string& directory, const std::string& mount_point);
    void mount_root_directory(const std::string& target);
    // LaunchPlan::images, each at staged_images/N.
    void mount_images();
    // A path inside images[index]'s file system, its links resolved inside it, staged.
    std::string staged_image_path(std::size_t index, const std::string& path) const;
    // The overlay over the image at `lower_dir`: --overlay's directories, --writable-tmpfs's tmpfs.
    void mount_layers();
    void own(const std::string& mounted);  // hpc mounted the file system at `mounted`
    std::string staged_target(const std::string& container_path) const;

    const LaunchPlan& plan_;
    ExecutorHooks hooks_;
    // The programs serving what hpc's own server does not, in the order they started.
    std::vector<ExtImageServer> ext_servers_;
    std::unique_ptr<FuseProgram> overlay_server_;
    std::vector<std::string> shadows_;  // directories covered so far, in order
    // The file systems hpc mounted (its staging tmpfs, the image's server, overlays, tmpfs
    // mounts and covers): the only ones it makes mount points in (make_room).
    std::set<dev_t> own_devices_;
};

// In the payload's process, in the container: enters the first of the plan's working
// directories that can be entered, saying through `warn` which it passed over, and returns it.
// Throws hpc::Error(no_input) when --pwd's cannot be entered.
std::string enter_working_directory(const LaunchPlan& plan, const std::function<void(const std::string&)>& warn);

}  // namespace hpc::sandbox
