// Who a build runs as (builder/build_identity.hpp): --fakeroot asked for, implied for an
// ordinary user's definition build with a usable subordinate range (as Apptainer 1.1), or
// root-mapped with the hint a failed %post gives; and the site's policy over each.
#include "builder/build_identity.hpp"
#include "builder/build_output.hpp"
#include "common/error.hpp"

#include <catch2/catch.hpp>

using namespace hpc;
using namespace hpc::builder;

namespace {

const std::string one_id_start =
    "it ran as root in one id, where package managers such as apt-get cannot change ids: they need --fakeroot";

sandbox::SubordinateIds full_range() {
    sandbox::SubordinateIds ids;
    ids.uids = {{100000, 65536}};
    ids.gids = {{100000, 65536}};
    return ids;
}

BuildIdentityInputs definition_build_by(uint32_t uid) { return {"alice", uid, uid, false, false, true}; }

const std::vector<sandbox::IdMap> root_mapped{{0, 1001, 1}};

}  // namespace

TEST_CASE("build identity: an ordinary user's definition build with a range implies --fakeroot and says so") {
    BuildIdentity identity = plan_build_identity(definition_build_by(1001), full_range(), {});
    CHECK(identity.fakeroot);
    CHECK(identity.keeps_owners());
    CHECK(identity.ids.uid_map == std::vector<sandbox::IdMap>{{0, 1001, 1}, {1, 100000, 65536}});
    CHECK(identity.implied == "building as --fakeroot (alice's subordinate ids behind root), as Apptainer does for "
                              "an ordinary user's definition file");
    CHECK(identity.root_mapped_hint.empty());
}

TEST_CASE("build identity: an image or a directory SOURCE, and root, are never given --fakeroot by themselves") {
    BuildIdentityInputs image = definition_build_by(1001);
    image.from_definition = false;
    CHECK_FALSE(needs_ranges(image, {}));
    BuildIdentity packed = plan_build_identity(image, full_range(), {});
    CHECK_FALSE(packed.fakeroot);
    CHECK(packed.ids.uid_map == root_mapped);
    CHECK(packed.root_mapped_hint.empty());

    BuildIdentity root = plan_build_identity(definition_build_by(0), full_range(), {});
    CHECK_FALSE(root.fakeroot);
    CHECK(root.implied.empty());
    CHECK(root.root_mapped_hint.empty());
}

TEST_CASE("build identity: without a range the build stays root-mapped, and a failed %post says --fakeroot helps") {
    BuildIdentity identity = plan_build_identity(definition_build_by(1001), {}, {});
    CHECK_FALSE(identity.fakeroot);
    CHECK_FALSE(identity.keeps_owners());
    CHECK(identity.ids.uid_map == root_mapped);
    CHECK(identity.ids.warnings.empty());  // the one-id warning is --fakeroot's, not said here
    CHECK(identity.implied.empty());
    CHECK(identity.root_mapped_hint ==
          one_id_start +
              ", best with a subordinate id range (no subordinate uid range for alice in /etc/subuid; in one id, "
              "give apt-get -o APT::Sandbox::User=root)");
}

TEST_CASE("build identity: a site that disallows --fakeroot gets no implied one, and the hint says so") {
    site::SiteConfig site;
    site.fakeroot.allow = false;
    CHECK_FALSE(needs_ranges(definition_build_by(1001), site));
    BuildIdentity identity = plan_build_identity(definition_build_by(1001), full_range(), site);
    CHECK_FALSE(identity.fakeroot);
    CHECK(identity.ids.uid_map == root_mapped);
    CHECK(identity.root_mapped_hint ==
          one_id_start + ", which this site disallows (fakeroot.allow)");

    BuildIdentityInputs asked = definition_build_by(1001);
    asked.fakeroot_asked = true;
    try {
        plan_build_identity(asked, full_range(), site);
        FAIL("an asked-for --fakeroot the site disallows must be refused");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::denied);
        CHECK(std::string(error.what()).find("fakeroot.allow") != std::string::npos);
    }
}

TEST_CASE("build identity: a site without the one-id fallback says a range is needed") {
    site::SiteConfig site;
    site.fakeroot.allow_without_subuid = false;
    BuildIdentity identity = plan_build_identity(definition_build_by(1001), {}, site);
    CHECK_FALSE(identity.fakeroot);
    CHECK(identity.root_mapped_hint ==
          one_id_start +
              ", which this site allows only with a subordinate id range (no subordinate uid range for alice in "
              "/etc/subuid)");
}

TEST_CASE("build identity: --ignore-subuid keeps the build root-mapped and makes --fakeroot one id") {
    BuildIdentityInputs inputs = definition_build_by(1001);
    inputs.ignore_subuid = true;
    CHECK_FALSE(needs_ranges(inputs, {}));
    BuildIdentity identity = plan_build_identity(inputs, full_range(), {});
    CHECK_FALSE(identity.fakeroot);
    CHECK(identity.root_mapped_hint ==
          one_id_start + " with your subordinate ids, which --ignore-subuid left out");

    inputs.fakeroot_asked = true;
    BuildIdentity one_id = plan_build_identity(inputs, full_range(), {});
    CHECK(one_id.fakeroot);
    CHECK(one_id.ids.ownership_ignored);
    CHECK_FALSE(one_id.keeps_owners());
    REQUIRE(one_id.ids.warnings.size() == 1);
    CHECK(one_id.ids.warnings[0].find("(--ignore-subuid)") != std::string::npos);
}

TEST_CASE("build identity: an asked-for --fakeroot maps the range, for any SOURCE") {
    BuildIdentityInputs inputs = definition_build_by(1001);
    inputs.fakeroot_asked = true;
    inputs.from_definition = false;
    CHECK(needs_ranges(inputs, {}));
    BuildIdentity identity = plan_build_identity(inputs, full_range(), {});
    CHECK(identity.fakeroot);
    CHECK(identity.keeps_owners());
    CHECK(identity.implied.empty());
}

TEST_CASE("build destination: trailing slashes are dropped, a bare root stays") {
    CHECK(normalized_destination("sbox/") == "sbox");
    CHECK(normalized_destination("a/sbox//") == "a/sbox");
    CHECK(normalized_destination("app.sif") == "app.sif");
    CHECK(normalized_destination("/") == "/");
    CHECK(normalized_destination("//") == "/");
}
