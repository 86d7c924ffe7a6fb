// Who a build runs as, decided before any work: root-mapped (the user alone, as root, every
// file root's in the image) or --fakeroot (the user's subordinate ranges behind root, the owners
// %post makes kept; or, without a usable range, one id under the ownership filter).
// As Apptainer 1.1 does, an ordinary user's build of a definition file takes --fakeroot by itself
// when the user has a usable range and the site allows --fakeroot: package managers in %post
// need those ids (apt-get's setgroups and _apt). Otherwise it stays root-mapped, and a %post that
// fails there says what would have helped.
#pragma once

#include "sandbox/plan/fakeroot.hpp"
#include "sandbox/plan/subordinate_ids.hpp"
#include "site-config/site_config.hpp"

#include <cstdint>
#include <string>

namespace hpc::builder {

struct BuildIdentityInputs {
    std::string user_name;
    uint32_t uid = 0;
    uint32_t gid = 0;
    bool fakeroot_asked = false;   // --fakeroot
    bool ignore_subuid = false;    // --ignore-subuid: as if the user had no subordinate range
    bool from_definition = false;  // SOURCE is a definition file (not an image or a directory)
};

struct BuildIdentity {
    sandbox::FakerootIds ids;      // the build namespace's maps, and whether the one-id filter applies
    bool fakeroot = false;         // asked for or implied
    std::string implied;           // the notice that --fakeroot was implied; empty when it was not
    std::string root_mapped_hint;  // root-mapped: what a failed %post adds to its error; may be empty

    // The owners the namespace sees go into the image only where it maps a range: in one id
    // they would be the user's (root) or the overflow id, so every file is root's instead.
    bool keeps_owners() const { return fakeroot && !ids.ownership_ignored; }
};

// Pure. `ranges`: the user's subordinate ids as this host grants them (read_subordinate_ids);
// only needed when --fakeroot is asked for or may be implied (needs_ranges). Throws
// hpc::Error(denied) when the site refuses an asked-for --fakeroot.
BuildIdentity plan_build_identity(const BuildIdentityInputs& inputs, const sandbox::SubordinateIds& ranges,
                                  const site::SiteConfig& site);
bool needs_ranges(const BuildIdentityInputs& inputs, const site::SiteConfig& site);

// The host's side: the user's ids and name, and their ranges when they matter.
BuildIdentity choose_build_identity(bool fakeroot_asked, bool ignore_subuid, bool from_definition,
                                    const site::SiteConfig& site);

}  // namespace hpc::builder
