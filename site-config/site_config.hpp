// site-config/: the admin's policy for every launch on this machine, read from a TOML file
// (site_config_file.hpp says where and how it is trusted). This header owns the policy as a
// value, with its built-in defaults (what a site without a file gets), the strict parser from
// TOML text, and the readable description `hpc config check` prints. Nothing here decides a
// launch: sandbox/plan/site_policy.hpp applies the policy; this layer depends on common/ only.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::site {

// One entry of binds.default, "src[:dst[:ro|rw]]": bound into every container whose host
// has the source (a missing source is skipped, so one file can serve several clusters).
struct DefaultBind {
    std::string source;       // absolute host path
    std::string destination;  // absolute container path; the source's when omitted
    bool read_only = false;

    bool operator==(const DefaultBind&) const = default;
};

// [binds]
struct BindsPolicy {
    std::vector<DefaultBind> default_binds;  // binds.default
    std::vector<std::string> allow;          // sources a user may bind; empty: any
    std::vector<std::string> deny;           // sources a user may never bind, whatever allow says

    bool operator==(const BindsPolicy&) const = default;
};

// [images]
struct ImagesPolicy {
    std::vector<std::string> allow_paths;  // directories images may live under; empty: any
    std::vector<std::string> allow_formats{"sif", "squashfs", "dir"};
    std::vector<std::string> allow_owners;  // user names that may own an image; empty: any

    bool operator==(const ImagesPolicy&) const = default;
};

// [fakeroot]
struct FakerootPolicy {
    bool allow = true;
    // The one-id fallback (a seccomp filter that makes chown and friends succeed without
    // effect) for a user without a subordinate id range.
    bool allow_without_subuid = true;

    bool operator==(const FakerootPolicy&) const = default;
};

// [network]
struct NetworkPolicy {
    std::vector<std::string> allow{"host", "none", "slirp"};
    std::string default_network = "host";  // network.default; always one of allow

    bool operator==(const NetworkPolicy&) const = default;
};

// [mount]
// An hour: a server that lingers longer is a daemon, which hpc never is.
inline constexpr unsigned max_share_linger_seconds = 3600;

struct MountPolicy {
    bool share_per_node = true;  // one FUSE mount per image and user on a node
    // How long a shared mount's server stays after its last launch, for the next to find it warm
    // (sandbox/run/node_share.hpp); 0: it ends with the last. --share-linger overrides it.
    unsigned share_linger_seconds = 5;

    bool operator==(const MountPolicy&) const = default;
};

// [mpi]
struct MpiPolicy {
    // mpi.default: the MPI a container's programs use without --mpi: "image" (the image's own,
    // with the launcher's session directories passed through) or "host" (the host's, bound in
    // when the image has an MPI of the same ABI: the bind model).
    std::string default_mpi = "image";
    // mpi.library: the host's libmpi for --mpi host, when the loader's search (LD_LIBRARY_PATH,
    // /etc/ld.so.cache, the default directories) would not find the one the site means; empty: search.
    std::string library;

    bool operator==(const MpiPolicy&) const = default;
};

// [slurm]
struct SlurmPolicy {
    // Node-local directory where `hpc slurm prolog` copies the image of a job that asked for it
    // (--hpc-stage), one directory per job, removed by `hpc slurm epilog`; empty: no staging.
    std::string stage_directory;

    bool operator==(const SlurmPolicy&) const = default;
};

// [oci]: pulling images from registries (docker://, oras://). Registry names are written as
// references write them, HOST[:PORT] in lower case ("docker.io", "127.0.0.1:5000").
struct OciPolicy {
    // oci.mirrors: a registry's name -> the HOST[:PORT] hpc contacts instead
    // ("docker.io" = "mirror.site.org:5000"), sorted by the registry's name.
    std::vector<std::pair<std::string, std::string>> mirrors;
    std::vector<std::string> allow;  // registries users may pull from; empty: any
    std::vector<std::string> deny;   // registries users may never pull from, whatever allow says
    // Where users' caches go when they set neither HPC_CACHEDIR nor APPTAINER_CACHEDIR: each
    // user's is the folder of their uid in it (cache_dir/1001), the folder being the admin's to
    // make, sticky and world-writable as /tmp is; "": ~/.cache/hpc.
    std::string cache_dir;
    // A tag resolved this recently is run from the cache without asking the registry; 0: always ask.
    int tag_check_seconds = 60;

    bool operator==(const OciPolicy&) const = default;
};

// The driver files --nv and --rocm bring from the host, by default Apptainer's nvliblist.conf
// and rocmliblist.conf with the libraries newer drivers added (gpu_lists.cpp).
const std::vector<std::string>& default_nvidia_libraries();
const std::vector<std::string>& default_nvidia_programs();
const std::vector<std::string>& default_rocm_libraries();
const std::vector<std::string>& default_rocm_programs();

// [gpu]: --nv, --rocm and CDI devices (--device).
struct GpuPolicy {
    // Library names as the loader knows them, "libcuda.so" standing for every version of it
    // (libcuda.so.1, libcuda.so.580.159.04); programs by name, found on the user's PATH.
    std::vector<std::string> nvidia_libraries = default_nvidia_libraries();
    std::vector<std::string> nvidia_programs = default_nvidia_programs();
    std::vector<std::string> rocm_libraries = default_rocm_libraries();
    std::vector<std::string> rocm_programs = default_rocm_programs();
    // false: --nv or --rocm on a node without the driver warns and runs (Apptainer's way);
    // true: it fails (exit 69), so that a GPU job on a node without one stops at once.
    bool require_driver = false;
    // Where CDI specs are read from without --cdi-dirs, lowest priority first.
    std::vector<std::string> cdi_directories{"/etc/cdi", "/var/run/cdi"};

    bool operator==(const GpuPolicy&) const = default;
};

// Every path in it is absolute and lexically normal ("/a/b", no "." or "//", no trailing
// slash); a default-constructed SiteConfig is the built-in policy.
struct SiteConfig {
    BindsPolicy binds;
    ImagesPolicy images;
    FakerootPolicy fakeroot;
    NetworkPolicy network;
    MountPolicy mount;
    MpiPolicy mpi;
    SlurmPolicy slurm;
    OciPolicy oci;
    GpuPolicy gpu;

    bool operator==(const SiteConfig&) const = default;
};

// The policy in `toml_text`, keys left out keeping their defaults. Strict: an unknown table
// or key, a wrong type, a duplicate key, bad syntax or a value out of its range throws
// hpc::Error(config, "<file_name>:<line>: <dotted key>: <cause>") (syntax errors the TOML
// parser cannot tie to a key give "<file_name>:<line>: <cause>").
SiteConfig parse_site_config(std::string_view toml_text, const std::string& file_name);

// The effective policy, every key with its value, defaults included, as TOML that
// parse_site_config reads back to the same policy.
std::string describe(const SiteConfig& config);

}  // namespace hpc::site
