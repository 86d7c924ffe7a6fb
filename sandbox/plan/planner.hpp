// From what the user asked, facts about the host and facts about the image to a LaunchPlan.
// Pure: no system calls; every host or image question is answered by the facts passed in.
#pragma once

#include "sandbox/plan/bind_spec.hpp"
#include "sandbox/environment/environment.hpp"
#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "mpi/image_libraries.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hpc::sandbox {

// One --overlay PATH[:ro].
struct OverlaySpec {
    std::string path;  // as given
    bool read_only = false;

    bool operator==(const OverlaySpec&) const = default;
};

// The options of exec, run, shell and test, with Apptainer's names and meanings.
struct LaunchRequest {
    Action action = Action::exec;
    std::vector<std::string> args;     // see payload_command()
    std::string shell;                 // --shell
    // --app: the SCIF app to run in (its environment; run and test its runscript and test). The
    // image summary's facts.app must be that app, as the image has it (launch/image_summary.hpp).
    std::string app;
    std::vector<BindSpec> binds;       // -B, --mount and the *_BIND variables, in order
    std::string home;                  // --home "src[:dst]"; empty: the user's home
    bool no_home = false;
    bool contain = false;
    bool containall = false;           // --contain, --cleanenv, --pid and --ipc together
    bool clean_env = false;
    bool no_eval = false;
    bool no_umask = false;             // --no-umask: the payload's umask 0022, not the caller's
    bool no_privs = false;             // --no-privs: the payload keeps no capabilities, even as root
    // --keep-privs: root in the container keeps its capabilities (those of its user namespace),
    // which is what it does anyway; refused for a payload that is not root
    bool keep_privs = false;
    // --compat: --containall, --no-init, --no-umask, --no-eval and --writable-tmpfs (Apptainer's
    // settings for Docker's and OCI's behaviour)
    bool compat = false;
    bool pid = false;
    bool ipc = false;
    bool no_init = false;
    bool writable = false;
    bool writable_tmpfs = false;
    std::vector<OverlaySpec> overlays; // --overlay, in the order given
    std::vector<std::string> scratch;  // -S: container directories that start empty (scratch_mounts.hpp)
    std::string workdir;               // -W: the host directory behind -S's, and --contain's /tmp and home
    std::vector<std::string> no_mount; // --no-mount names (proc, sys, dev, ...) or paths
    std::string pwd;                   // --pwd/--cwd
    std::vector<std::string> env_options;
    std::vector<EnvFile> env_files;
    std::vector<std::string> no_env;   // --no-env: host variables not to pass
    // Root inside (Apptainer's root-mapped mode, as builds run %post): uid and gid 0 are the
    // user's own; HOME is /root, with nothing bound there; /etc/passwd and /etc/group are the
    // image's own, untouched, so that %post may add users.
    bool as_root = false;
    // --fakeroot: as_root, with the user's subordinate ranges mapped behind root (fakeroot.hpp).
    bool fakeroot = false;
    bool no_share = false;             // --no-share: a private mount of the image, not the node's one
    NetworkRequest network;            // --net, --network, --network-args, --hostname
    std::string mpi;                   // --mpi image|host; empty: the site's mpi.default (mpi_mounts.hpp)
    bool nv = false;                   // --nv: the host's NVIDIA driver and GPUs (gpu_mounts.hpp)
    bool rocm = false;                 // --rocm: the host's AMD ROCm driver and GPUs
    std::vector<std::string> devices;  // --device: CDI devices, "VENDOR/CLASS=NAME"
    std::vector<std::string> cdi_directories;  // --cdi-dirs; empty: the site's gpu.cdi_directories
    // hpc instance start/run: the container stays, under its init in a PID namespace of its own
    // (--pid, whatever --no-init says), until it is stopped; its mount is its own (no sharing).
    bool instance = false;
    // --share-linger: how long the shared mount's server stays after the last launch; unset:
    // the site's mount.share_linger.
    std::optional<unsigned> share_linger;
};

struct ImageSummary {
    bool is_directory = false;
    std::string path;  // canonical host path of the image file or directory
    // Which file or directory was opened and checked at `path`: a directory image is mounted
    // only if what the executor finds there is still it.
    uint64_t device = 0;
    uint64_t inode = 0;
    ImageFacts facts;
    std::string passwd;  // the image's /etc/passwd ("" when it has none)
    std::string group;   // the image's /etc/group
    std::function<bool(const std::string& path)> exists;  // inside the image, links followed
    std::string format;  // "sif", "squashfs" or "dir", as the site config names them
    bool overlay_partition = false;  // a SIF with an ext3 overlay partition (hpc overlay create's)
    std::string owner;   // the user name of the image file's owner (its uid when it has none)
    mpi::ImageLibraries libraries;  // its libmpi and glibc, asked only by --mpi host
};

// Throws hpc::Error: usage for contradictory options or a bad --app name, no_input for a missing
// bind or home source or an --app the image has not got, data for an image that cannot do what was asked (no shell, not writable, no MPI
// for --mpi host or one of another ABI), unavailable for --mpi host on a host without an MPI.
// `site`: the admin's policy (site-config/), applied here; a refusal is hpc::Error(denied)
// "denied by site policy: <key>: <item>".
LaunchPlan plan_launch(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                       const site::SiteConfig& site = {});

}  // namespace hpc::sandbox
