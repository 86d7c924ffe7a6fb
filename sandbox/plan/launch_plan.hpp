// The LaunchPlan: everything a launch will do, decided before anything is done. It is a
// value (no handles, no I/O), printed by --dry-run and walked in order by the executor.
// Paths in `mounts` are container paths; sources are canonical host paths.
#pragma once

#include "sandbox/environment/environment.hpp"
#include "sandbox/plan/network_plan.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hpc::sandbox {

struct IdMap {
    uint32_t inside = 0;
    uint32_t outside = 0;
    uint32_t count = 1;

    bool operator==(const IdMap&) const = default;
};

// An image file's file system mounted beside the root, once however many use it: a squashfs or
// ext3 --overlay, a SIF's overlay partition, an image bind's source (-B data.sqfs:/data:image-src=/).
// A squashfs is served by hpc's own server; an ext one by fuse2fs.
struct ImageMount {
    enum class FileSystem { squashfs, ext3 };
    FileSystem file_system = FileSystem::squashfs;
    std::string path;        // canonical host path of the file
    std::string format;      // "sif", "squashfs" or "ext3", for messages
    uint64_t offset = 0;     // where the file system lies in the file (a SIF partition's)
    uint64_t size = 0;
    uint64_t device = 0;     // the file the facts were read from, which the mount must still be
    uint64_t inode = 0;
    std::string identity;    // its device, inode, size and time: launches sharing a mount agree on it
    bool writable = false;   // ext3 only
    std::string purpose;     // "--overlay data.img", "bind data.sqfs to /data": for messages

    bool operator==(const ImageMount&) const = default;
};

// Whether any of `images` is an ext file system: fuse2fs serves it, a program of its own.
inline bool has_ext_image(const std::vector<ImageMount>& images) {
    return std::any_of(images.begin(), images.end(),
                       [](const ImageMount& image) { return image.file_system == ImageMount::FileSystem::ext3; });
}

// A layer --overlay lays over the image (kernel overlayfs in the user namespace): a host
// directory, or the root of an image file's file system (LaunchPlan::images).
struct OverlayLayer {
    std::string directory;  // canonical host path; empty for an image's
    std::optional<std::size_t> image;  // an index into LaunchPlan::images
    // Writable: its upper/ and work/ (made when missing) take the container's writes, Apptainer's
    // layout. Read-only: its upper/ when it has one (a writable overlay once), else itself.
    bool writable = false;

    bool operator==(const OverlayLayer&) const = default;
};

// How the container's root file system is put together.
struct RootPlan {
    enum class Source { squashfs, directory };
    Source source = Source::squashfs;
    std::string directory;        // canonical host path, for Source::directory
    uint64_t directory_device = 0;  // and the directory the site's policy was checked on there
    uint64_t directory_inode = 0;
    bool writable = false;        // --writable: the directory itself, read-write
    bool overlay = false;         // --writable-tmpfs: a tmpfs upper over the image (kernel overlayfs)
    // --overlay, bottom first (the last given is the top); a writable one is the upper, in
    // place of --writable-tmpfs's tmpfs.
    std::vector<OverlayLayer> layers;
    // The directory is a build's own stage (an overlay builder/ mounted in its work area), not
    // a user's: mount points are made in it as in any file system hpc mounted.
    bool build_stage = false;

    bool operator==(const RootPlan&) const = default;

    // Whether an overlay goes over the image: --writable-tmpfs's, or --overlay's.
    bool layered() const { return overlay || !layers.empty(); }
    // Whether the container's writes land somewhere: --writable, --writable-tmpfs, a writable --overlay.
    bool takes_writes() const {
        return writable || overlay ||
               std::any_of(layers.begin(), layers.end(), [](const OverlayLayer& layer) { return layer.writable; });
    }
};

enum class MountKind {
    bind,        // `source` (host) at `target`
    tmpfs,       // a new, empty tmpfs
    devpts,      // a new devpts instance, its own ptmx
    proc,        // a new procfs for the container's PID namespace (made by the payload)
    file,        // `content` in a staging file, bound at `target` (identity files)
    symlink,     // a symlink at `target` pointing at `source`
    image,       // the path `source` inside the file system of `images[image]`, read-only, at `target`
    // The directory `subdirectory` below the host directory `source` (-W's), each directory
    // missing on the way made with `mode`, bound at `target` (scratch_mounts.hpp)
    work_directory,
};

struct MountStep {
    MountKind kind = MountKind::bind;
    std::string source;
    std::string target;
    bool read_only = false;
    bool optional = false;       // a missing host source skips the step instead of failing
    bool is_directory = true;    // what to make at `target` when missing
    std::string content;         // MountKind::file
    std::string options;         // tmpfs: mount data such as "mode=0755"
    std::string purpose;         // "home", "-B /data:/mnt", ...: for messages and --dry-run
    std::size_t image = 0;       // MountKind::image: an index into LaunchPlan::images
    std::string subdirectory{};  // MountKind::work_directory: relative to `source`, "scratch/data"
    uint32_t mode = 0;           // MountKind::work_directory: of each directory it makes (umask aside)

    bool operator==(const MountStep&) const = default;
};

struct NamespacePlan {
    bool pid = false;   // --pid: a new PID namespace
    bool ipc = false;   // --ipc
    bool init = true;   // with pid: a small init as PID 1 reaps and forwards signals
    // An instance's init: it stays after the payload has ended, until a stop signal, which it
    // passes to every process in the namespace (supervisor.hpp, keep_instance).
    bool instance = false;

    bool operator==(const NamespacePlan&) const = default;
};

struct LaunchPlan {
    std::vector<IdMap> uid_map;
    std::vector<IdMap> gid_map;
    // --fakeroot in one id: the payload's chown and set*id calls succeed without effect
    // (ownership_filter.hpp).
    bool ownership_ignored = false;
    // Join, or let join, the other launches of this image by this user on the node: one FUSE
    // mount and page cache for all (node_share.hpp). Off with --no-share and for directories.
    bool share_mount = false;
    // Who may join beyond the user and the image: inside a Slurm job, that job's step alone
    // ("slurm job 12 step 0"), so that a job never waits for another's ranks to end; "" for all.
    std::string share_scope;
    // With share_mount, how long the server stays after the last launch it serves has ended,
    // detached from this launch, for the next to join it warm; 0: it ends with the last.
    unsigned share_linger_seconds = 0;
    // With share_mount, the host's mount table's digest (HostFacts::mount_table): part of the
    // name launches meet under.
    std::string host_mounts;
    NamespacePlan namespaces;
    NetworkPlan network;
    RootPlan root;
    // The image files' file systems the root's layers and image binds use, each mounted once, in
    // this order, before the layers.
    std::vector<ImageMount> images;
    std::vector<MountStep> mounts;  // in order: a parent before anything mounted below it
    // Where `mounts` puts the user's terminal in the container (/dev/console), or "" when it is
    // not there: the payload's descriptors on it are opened again through this path, so that
    // /proc/self/fd, ttyname(3) and tty(1) name a file the container has (sandbox/run/terminal.hpp).
    std::string terminal;
    PayloadCommand command;
    // Working directories to try in order; all but the first warn when used. With --pwd there
    // is one, and failing to enter it is an error.
    std::vector<std::string> working_directories;
    bool working_directory_required = false;
    std::vector<std::string> warnings;  // printed before the launch
};

// A bind of the host's `source` (canonical) at `target`.
MountStep bind_step(const std::string& source, const std::string& target, bool read_only, std::string purpose);

// A new tmpfs at `target`, `options` its mount data ("mode=0755"). Read-only: remounted so once
// the steps that mount below it have (a directory of binds the container writes nothing in).
MountStep tmpfs_step(const std::string& target, std::string options, std::string purpose, bool read_only = false);

// A readable account of the plan, one item per line, for --dry-run and -v.
std::string describe(const LaunchPlan& plan);

}  // namespace hpc::sandbox
