// Which staged container trees a server may keep for later launches, and under what description
// (sandbox/plan/staged_tree.hpp): a tree is kept only when nothing of hpc's own in it takes the
// container's writes, and two plans share one only when they stage the same tree.
#include "sandbox/plan/staged_tree.hpp"

#include <catch2/catch.hpp>

using namespace hpc::sandbox;

namespace {

// What a plain `hpc exec IMG` stages: /dev's read-only tmpfs, a bind, the user's passwd.
LaunchPlan plain_plan() {
    LaunchPlan plan;
    plan.uid_map = {{1000, 1000, 1}};
    plan.gid_map = {{1000, 1000, 1}};
    plan.mounts.push_back(tmpfs_step("/dev", "mode=0755,size=1m", "dev", true));
    plan.mounts.push_back(bind_step("/home/user", "/home/user", false, "home"));
    MountStep passwd;
    passwd.kind = MountKind::file;
    passwd.target = "/etc/passwd";
    passwd.content = "user:x:1000:1000::/home/user:/bin/sh\n";
    plan.mounts.push_back(passwd);
    return plan;
}

}  // namespace

TEST_CASE("staged tree: a plain launch's tree may be kept", "[staged_tree]") {
    CHECK(staged_tree_reusable(plain_plan()));
}

TEST_CASE("staged tree: not kept when the container writes in hpc's own file systems, makes its /proc or has a terminal",
          "[staged_tree]") {
    LaunchPlan contained = plain_plan();
    contained.mounts.push_back(tmpfs_step("/tmp", "mode=1777", "tmp (contained)"));  // writable
    CHECK_FALSE(staged_tree_reusable(contained));

    LaunchPlan writable_tmpfs = plain_plan();
    writable_tmpfs.root.overlay = true;
    CHECK_FALSE(staged_tree_reusable(writable_tmpfs));

    LaunchPlan overlay = plain_plan();
    overlay.root.layers.push_back({"/data/layer", std::nullopt, false});  // read-only, still a layer
    CHECK_FALSE(staged_tree_reusable(overlay));

    LaunchPlan pid = plain_plan();
    pid.namespaces.pid = true;
    CHECK_FALSE(staged_tree_reusable(pid));

    LaunchPlan terminal = plain_plan();
    terminal.terminal = "/dev/console";
    CHECK_FALSE(staged_tree_reusable(terminal));

    LaunchPlan directory = plain_plan();
    directory.root.source = RootPlan::Source::directory;
    CHECK_FALSE(staged_tree_reusable(directory));
}

TEST_CASE("staged tree: the description follows every step, the files' content and the id maps", "[staged_tree]") {
    const std::string plain = staged_tree_description(plain_plan());
    CHECK(staged_tree_description(plain_plan()) == plain);

    LaunchPlan other_source = plain_plan();
    other_source.mounts[1].source = "/home/other";
    CHECK(staged_tree_description(other_source) != plain);

    LaunchPlan read_only = plain_plan();
    read_only.mounts[1].read_only = true;
    CHECK(staged_tree_description(read_only) != plain);

    LaunchPlan other_passwd = plain_plan();
    other_passwd.mounts[2].content += "more:x:1001:1001::/:/bin/sh\n";
    CHECK(staged_tree_description(other_passwd) != plain);

    LaunchPlan reordered = plain_plan();
    std::swap(reordered.mounts[1], reordered.mounts[2]);
    CHECK(staged_tree_description(reordered) != plain);

    LaunchPlan other_map = plain_plan();
    other_map.uid_map = {{0, 1000, 1}};
    CHECK(staged_tree_description(other_map) != plain);

    // Fields are framed: a value cannot pass for two ("/a" + "b/c" against "/ab" + "/c").
    LaunchPlan split_one = plain_plan(), split_two = plain_plan();
    split_one.mounts[1].source = "/a";
    split_one.mounts[1].target = "b/c";
    split_two.mounts[1].source = "/ab";
    split_two.mounts[1].target = "/c";
    CHECK(staged_tree_description(split_one) != staged_tree_description(split_two));

    // What is only said, never staged, is no part of it.
    LaunchPlan other_purpose = plain_plan();
    other_purpose.mounts[1].purpose = "-B /home/user";
    CHECK(staged_tree_description(other_purpose) == plain);
}
