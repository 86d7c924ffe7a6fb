// common/remove_tree.hpp as any user: links are removed as links, never followed; what is
// another's, deeper or larger than the bounds is left and said.
#include "common/remove_tree.hpp"
#include "common/unique_fd.hpp"
#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

bool exists(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}

void make_directory(const std::string& path) { REQUIRE(::mkdir(path.c_str(), 0755) == 0); }

}  // namespace

TEST_CASE("remove_tree_beneath: a tree goes, the directories its links point at stay", "[remove_tree]") {
    hpc::test::TempDir area;
    std::string outside = area.path() + "/outside";
    make_directory(outside);
    hpc::test::write_host_file(outside + "/kept", "x");
    std::string tree = area.path() + "/tree";
    make_directory(tree);
    make_directory(tree + "/a");
    make_directory(tree + "/a/b");
    hpc::test::write_host_file(tree + "/a/b/file", "x");
    REQUIRE(::symlink(outside.c_str(), (tree + "/a/link").c_str()) == 0);
    REQUIRE(::symlink(outside.c_str(), (area.path() + "/top-link").c_str()) == 0);
    hpc::UniqueFd parent(::open(area.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(parent);

    hpc::TreeRemoval removal = hpc::remove_tree_beneath(parent.get(), area.path(), "tree", ::getuid());
    CHECK(removal.removed);
    CHECK(removal.left.empty());
    CHECK_FALSE(exists(tree));
    CHECK(exists(outside + "/kept"));

    removal = hpc::remove_tree_beneath(parent.get(), area.path(), "top-link", ::getuid());
    CHECK_FALSE(removal.removed);
    CHECK(removal.left == std::vector<std::string>{area.path() + "/top-link: not a directory, not followed"});
    CHECK(exists(area.path() + "/top-link"));
    CHECK(exists(outside + "/kept"));

    removal = hpc::remove_tree_beneath(parent.get(), area.path(), "missing", ::getuid());
    CHECK_FALSE(removal.removed);
    CHECK(removal.left.empty());
}

TEST_CASE("remove_tree_beneath: another owner's directory, and what passes the bounds, is left and said",
          "[remove_tree]") {
    hpc::test::TempDir area;
    std::string tree = area.path() + "/tree";
    make_directory(tree);
    hpc::UniqueFd parent(::open(area.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(parent);

    SECTION("another owner") {
        hpc::TreeRemoval removal = hpc::remove_tree_beneath(parent.get(), area.path(), "tree", ::getuid() + 1);
        CHECK_FALSE(removal.removed);
        CHECK(removal.left == std::vector<std::string>{tree + ": owned by uid " + std::to_string(::getuid()) +
                                                       ", not uid " + std::to_string(::getuid() + 1)});
        CHECK(exists(tree));
    }
    SECTION("depth") {
        make_directory(tree + "/1");
        make_directory(tree + "/1/2");
        make_directory(tree + "/1/2/3");
        hpc::test::write_host_file(tree + "/1/file", "x");
        hpc::TreeRemoval removal = hpc::remove_tree_beneath(parent.get(), area.path(), "tree", ::getuid(), {2, 100});
        CHECK_FALSE(removal.removed);
        CHECK(removal.left == std::vector<std::string>{tree + "/1/2/3: deeper than 2 directories"});
        CHECK(exists(tree + "/1/2/3"));
        CHECK_FALSE(exists(tree + "/1/file"));
    }
    SECTION("entries") {
        for (int index = 0; index < 10; ++index) hpc::test::write_host_file(tree + "/" + std::to_string(index), "x");
        hpc::TreeRemoval removal = hpc::remove_tree_beneath(parent.get(), area.path(), "tree", ::getuid(), {8, 5});
        CHECK_FALSE(removal.removed);
        CHECK(removal.left == std::vector<std::string>{tree + ": more than 5 entries in the tree"});
        CHECK(exists(tree + "/0"));
    }
}
