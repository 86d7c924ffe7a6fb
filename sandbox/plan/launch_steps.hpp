// The steps of sandbox::plan_launch, one decision each, in the order it takes them: planner.cpp
// reads as their table of contents. Pure like the planner: every question about the host or the
// image is answered by the facts passed in. Declared here so that each can be tested alone
// (tests/unit/launch_steps_test.cpp); anything else asks plan_launch for a whole plan.
#pragma once

#include "sandbox/environment/environment.hpp"
#include "sandbox/plan/host_facts.hpp"
#include "sandbox/plan/launch_plan.hpp"
#include "sandbox/plan/network_plan.hpp"
#include "sandbox/plan/planner.hpp"
#include "site-config/site_config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hpc::sandbox {

// --containall is --contain, --cleanenv, --pid and --ipc, as in Apptainer; --compat is
// --containall, --no-init, --no-umask, --no-eval and --writable-tmpfs (not with --writable);
// --fakeroot is root inside (as_root) with more ids behind it.
LaunchRequest expand_shorthands(LaunchRequest request);

// Refuses, before anything is planned: contradictory options (usage), --writable on an image
// that is no directory (data), an image the site's policy does not allow (denied).
void check_request(const LaunchRequest& request, const ImageSummary& image, const site::SiteConfig& site);

struct IdMaps {
    std::vector<IdMap> uid_map;
    std::vector<IdMap> gid_map;
    bool ownership_ignored = false;  // --fakeroot in one id: LaunchPlan::ownership_ignored
    std::vector<std::string> warnings;
    uint32_t uid = 0;  // the payload's ids inside the container
    uint32_t gid = 0;
};

// The user as themselves, or as root with as_root. --fakeroot adds the subordinate ranges behind
// root (fakeroot.hpp): they are read only then, and only once the site allows --fakeroot at all.
// Throws usage for --keep-privs when the container's user is not root.
IdMaps plan_id_maps(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site);

// The container's root: the image's squashfs (served by hpc) or its directory, how writable,
// and the layers over it (image_layers.hpp's plan_layers, which says what it throws), their
// image files added to `images`.
struct RootChoice {
    RootPlan root;
    std::vector<std::string> warnings;
};
RootChoice plan_root(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                     const site::SiteConfig& site, std::vector<ImageMount>& images);

// Whether this launch joins, or lets join, the node's other launches of the image and of the
// `images` beside it (node_share.hpp).
bool shares_mount(const LaunchRequest& request, const ImageSummary& image, const site::SiteConfig& site,
                  NetworkMode network, const std::vector<ImageMount>& images);

// Who may join a shared mount: inside a Slurm job, that job's step alone ("slurm job 12 step 0");
// "" outside a job, for every launch of the user.
std::string share_scope(const HostFacts& host);

// default_mounts()'s table on this host: bind sources resolved, a missing optional one left out
// and a missing required one an error (unavailable); a resolv.conf naming --dns's name servers,
// or behind slirp its DNS; --contain's /tmp and /var/tmp in `workdir` (plan_workdir's) when set.
std::vector<MountStep> plan_default_mounts(const LaunchRequest& request, const HostFacts& host,
                                           const NetworkPlan& network, const std::string& workdir = {});

// The user's terminal at /dev/console, when there is one and /dev is the container's
// (LaunchPlan::terminal names where the step puts it).
std::optional<MountStep> plan_console(const LaunchRequest& request, const HostFacts& host);

// binds.default: the admin's own binds, wherever the host has their source.
std::vector<MountStep> plan_site_binds(const site::SiteConfig& site, const HostFacts& host);

struct HomePlan {
    std::string source;       // canonical host path; empty when nothing is bound
    std::string destination;  // $HOME in the container
    bool fresh = false;       // --contain without --home: an empty home of its own
};

// The user's home, or --home's, and where it goes. Throws no_input for a --home source that does
// not exist, usage for a relative --home destination, denied for a source the site refuses.
HomePlan plan_home(const LaunchRequest& request, const HostFacts& host, const site::SiteConfig& site);

// The mount that makes `home`: a bind, a fresh tmpfs (in `workdir`, plan_workdir's, when set), or none.
std::optional<MountStep> home_mount(const HomePlan& home, const std::string& workdir = {});

// -B and --mount, in order; an image bind's file system is added to `images`. Throws no_input
// for a missing source, usage for a bind over "/", denied for a source the site refuses, data
// for an image bind of a file that is no image hpc can mount.
std::vector<MountStep> plan_user_binds(const LaunchRequest& request, const HostFacts& host,
                                       const site::SiteConfig& site, std::vector<ImageMount>& images);

struct CwdBind {
    std::optional<MountStep> step;
    // Set when the site's policy refused the working directory: the container must not start
    // there, and the user learns why and where it starts instead.
    std::optional<std::string> refusal_warning;
};

// The working directory at its own path, when the container would not show it otherwise
// (`planned`: the mounts so far). `home`: $HOME inside, where a refused one starts instead.
CwdBind plan_cwd_bind(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                      const site::SiteConfig& site, const std::vector<MountStep>& planned, const std::string& home);

// The image's /etc/passwd and /etc/group with the user's entries, as files bound over them.
std::vector<MountStep> plan_identity_files(const LaunchRequest& request, const HostFacts& host,
                                           const ImageSummary& image, const std::string& home);

// The payload's environment (environment.hpp) from the request, the host's variables and what
// the steps before decided: its ids, $HOME, the directories first in LD_LIBRARY_PATH, and the
// variables the devices set (over the host's, under the user's).
ContainerEnvironment plan_container_environment(const LaunchRequest& request, const HostFacts& host,
                                                const ImageSummary& image, const IdMaps& ids, const std::string& home,
                                                const std::vector<std::string>& library_directories,
                                                const EnvVars& device_variables = {});

struct WorkingDirectories {
    std::vector<std::string> candidates;  // LaunchPlan::working_directories
    bool required = false;                // LaunchPlan::working_directory_required
};

// Where the payload starts: --pwd alone, required; else the working directory (unless the site
// refused it, `cwd_refused`), then $HOME, then "/", the first that exists inside.
WorkingDirectories plan_working_directories(const LaunchRequest& request, const HostFacts& host, bool cwd_refused,
                                            const std::string& home);

}  // namespace hpc::sandbox
