// --fakeroot: the id maps made from subordinate ranges, the one-id fallback and its
// ownership filter, and what the planner does with them.
#include "fuse_test_support.hpp"
#include "image_fixture.hpp"
#include "namespace_child.hpp"
#include "sandbox/plan/fakeroot.hpp"
#include "sandbox/run/ownership_filter.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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

TEST_CASE("fakeroot: the ownership filter makes chown and setuid succeed and change nothing") {
    hpc::test::TempDir dir("hpc-fakeroot");
    std::string file = dir.path() + "/file";
    hpc::test::write_host_file(file, "x");
    report(hpc::test::run_in_user_namespace([&](hpc::test::ChildReport& child) {
        struct stat before {};
        ::stat(file.c_str(), &before);
        // Only the caller's own id is mapped: chown to another owner is refused...
        errno = 0;
        child.expect(::chown(file.c_str(), 1234, 1234) == -1 && errno == EINVAL, "chown before the filter fails");
        install_ownership_filter();
        // ...and with the filter it succeeds, having done nothing.
        child.expect(::chown(file.c_str(), 1234, 1234) == 0, "chown succeeds");
        child.expect(::lchown(file.c_str(), 1234, 1234) == 0, "lchown succeeds");
        child.expect(::fchownat(AT_FDCWD, file.c_str(), 1234, 1234, 0) == 0, "fchownat succeeds");
        struct stat after {};
        ::stat(file.c_str(), &after);
        child.expect(after.st_uid == before.st_uid && after.st_gid == before.st_gid, "the owner is unchanged");
        uid_t uid = ::getuid();
        child.expect(::setuid(1234) == 0 && ::setresgid(1234, 1234, 1234) == 0, "setuid and setresgid succeed");
        gid_t group = 1234;
        child.expect(::setgroups(1, &group) == 0, "setgroups succeeds");
        child.expect(::getuid() == uid, "the uid is unchanged");
        // Everything else still works as before.
        child.expect(::chmod(file.c_str(), 0600) == 0, "chmod is not filtered");
    }));
}
