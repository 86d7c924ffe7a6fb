// --fakeroot: the id maps made from subordinate ranges and the one-id fallback (its ownership
// filter is tested in tests/component/ownership_filter_test.cpp).
#include "sandbox/plan/fakeroot.hpp"

#include <catch2/catch.hpp>

using namespace hpc::sandbox;

namespace {

SubordinateIds ranges(std::vector<SubordinateRange> uids, std::vector<SubordinateRange> gids) {
    SubordinateIds ids;
    ids.uids = std::move(uids);
    ids.gids = std::move(gids);
    return ids;
}

}  // namespace

TEST_CASE("fakeroot: the user is root, the subordinate ranges follow from 1, in order") {
    FakerootIds ids = plan_fakeroot("alice", 1001, 1002, ranges({{100000, 65536}, {300000, 1000}}, {{200000, 65536}}));
    CHECK(ids.uid_map == std::vector<IdMap>{{0, 1001, 1}, {1, 100000, 65536}, {65537, 300000, 1000}});
    CHECK(ids.gid_map == std::vector<IdMap>{{0, 1002, 1}, {1, 200000, 65536}});
    CHECK_FALSE(ids.ownership_ignored);
    CHECK(ids.warnings.empty());
}

TEST_CASE("fakeroot: a range under 65536 ids is used, with a warning that says what it lacks") {
    FakerootIds ids = plan_fakeroot("alice", 1001, 1001, ranges({{100000, 1000}}, {{100000, 65536}}));
    CHECK(ids.uid_map == std::vector<IdMap>{{0, 1001, 1}, {1, 100000, 1000}});
    REQUIRE(ids.warnings.size() == 1);
    CHECK(ids.warnings[0] ==
          "--fakeroot: alice's subordinate uid ranges give 1001 ids, fewer than the 65536 a distribution expects: "
          "files of ids beyond 1000 cannot be made");
}

TEST_CASE("fakeroot: without a range, or without newuidmap, one id and the ownership filter") {
    FakerootIds none = plan_fakeroot("bob", 1002, 1002, ranges({}, {}));
    CHECK(none.uid_map == std::vector<IdMap>{{0, 1002, 1}});
    CHECK(none.gid_map == std::vector<IdMap>{{0, 1002, 1}});
    CHECK(none.ownership_ignored);
    REQUIRE(none.warnings.size() == 1);
    CHECK(none.warnings[0] == "--fakeroot with one id (no subordinate uid range for bob in /etc/subuid): chown and "
                              "setuid succeed without effect, ownership will not be kept");

    FakerootIds no_gids = plan_fakeroot("bob", 1002, 1002, ranges({{100000, 65536}}, {}));
    CHECK(no_gids.ownership_ignored);
    CHECK(no_gids.warnings[0].find("no subordinate gid range for bob in /etc/subgid") != std::string::npos);

    SubordinateIds no_tool = ranges({{100000, 65536}}, {{100000, 65536}});
    no_tool.unavailable = "newuidmap is not installed (Debian package uidmap)";
    FakerootIds without = plan_fakeroot("bob", 1002, 1002, no_tool);
    CHECK(without.uid_map.size() == 1);
    CHECK(without.warnings[0].find("(newuidmap is not installed (Debian package uidmap))") != std::string::npos);
}
