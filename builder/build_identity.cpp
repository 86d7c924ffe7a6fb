#include "builder/build_identity.hpp"

#include "sandbox/plan/site_policy.hpp"
#include "sandbox/run/gather_host_facts.hpp"
#include "sandbox/run/read_subordinate_ids.hpp"

namespace hpc::builder {
namespace {

// --ignore-subuid, as Apptainer's: the ranges are not looked at, so --fakeroot is one id.
sandbox::SubordinateIds ranges_seen(const BuildIdentityInputs& inputs, const sandbox::SubordinateIds& ranges) {
    if (!inputs.ignore_subuid) return ranges;
    sandbox::SubordinateIds none;
    none.unavailable = "--ignore-subuid";
    return none;
}

// Why a root-mapped build's %post may have failed, and what helps: said only when it fails.
std::string root_mapped_hint(const BuildIdentityInputs& inputs, const sandbox::FakerootIds& one_id,
                             const site::SiteConfig& site) {
    const std::string start =
        "it ran as root in one id, where package managers such as apt-get cannot change ids: they need --fakeroot";
    if (!site.fakeroot.allow) return start + ", which this site disallows (fakeroot.allow)";
    if (inputs.ignore_subuid) return start + " with your subordinate ids, which --ignore-subuid left out";
    if (!site.fakeroot.allow_without_subuid)
        return start + ", which this site allows only with a subordinate id range (" + one_id.one_id_reason + ")";
    return start + ", best with a subordinate id range (" + one_id.one_id_reason +
           "; in one id, give apt-get -o APT::Sandbox::User=root)";
}

}  // namespace

bool needs_ranges(const BuildIdentityInputs& inputs, const site::SiteConfig& site) {
    if (inputs.ignore_subuid) return false;
    if (inputs.fakeroot_asked) return true;
    return inputs.from_definition && inputs.uid != 0 && site.fakeroot.allow;
}

BuildIdentity plan_build_identity(const BuildIdentityInputs& inputs, const sandbox::SubordinateIds& ranges,
                                  const site::SiteConfig& site) {
    BuildIdentity identity;
    if (inputs.fakeroot_asked) {
        sandbox::check_fakeroot(site, false);
        identity.ids = sandbox::plan_fakeroot(inputs.user_name, inputs.uid, inputs.gid, ranges_seen(inputs, ranges));
        if (identity.ids.ownership_ignored) sandbox::check_fakeroot(site, true);
        identity.fakeroot = true;
        return identity;
    }
    identity.ids.uid_map = {{0, inputs.uid, 1}};
    identity.ids.gid_map = {{0, inputs.gid, 1}};
    // Root on the host builds as root; an image or a directory is packed as it is (Apptainer
    // implies --fakeroot for definition files alone).
    if (!inputs.from_definition || inputs.uid == 0) return identity;
    sandbox::FakerootIds fakeroot = sandbox::plan_fakeroot(inputs.user_name, inputs.uid, inputs.gid, ranges_seen(inputs, ranges));
    if (site.fakeroot.allow && !fakeroot.ownership_ignored) {
        identity.ids = std::move(fakeroot);
        identity.fakeroot = true;
        identity.implied = "building as --fakeroot (" + inputs.user_name +
                           "'s subordinate ids behind root), as Apptainer does for an ordinary user's definition file";
        return identity;
    }
    identity.root_mapped_hint = root_mapped_hint(inputs, fakeroot, site);
    return identity;
}

BuildIdentity choose_build_identity(bool fakeroot_asked, bool ignore_subuid, bool from_definition,
                                    const site::SiteConfig& site) {
    sandbox::UserIdentity user = sandbox::gather_host_facts().user;
    BuildIdentityInputs inputs{user.name, user.uid, user.gid, fakeroot_asked, ignore_subuid, from_definition};
    sandbox::SubordinateIds ranges;
    if (needs_ranges(inputs, site)) ranges = sandbox::read_subordinate_ids(user.name);
    return plan_build_identity(inputs, ranges, site);
}

}  // namespace hpc::builder
