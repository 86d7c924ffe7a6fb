// -S and -W (sandbox/plan/scratch_mounts.hpp), alone and in whole plans, on an invented host:
// Apptainer's layout below WORKDIR, a tmpfs without it, and the paths refused.
#include "common/error.hpp"
#include "sandbox/plan/launch_steps.hpp"
#include "sandbox/plan/scratch_mounts.hpp"

#include "invented_host.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace hpc::sandbox;
using hpc::test::error_message;

namespace {

// Dave's node: /scratch/dave is really /lustre/scratch/dave; /home/dave/notes is a file.
HostFacts dave_host() {
    HostFacts host;
    host.user = hpc::test::invented_user(1004, "dave", "/bin/bash");
    host.cwd = "/home/dave";
    host.environ = {"HOME=/home/dave", "PATH=/usr/bin:/bin"};
    std::set<std::string> existing = hpc::test::usual_host_paths();
    existing.insert({"/tmp", "/var/tmp", "/home/dave", "/home/dave/notes", "/lustre/scratch/dave", "/work"});
    host.canonical = hpc::test::invented_paths({{"/scratch/dave", "/lustre/scratch/dave"}}, existing);
    host.is_directory = [](const std::string& path) { return path != "/home/dave/notes"; };
    return host;
}

LaunchRequest scratch(std::vector<std::string> directories, std::string workdir = {}) {
    LaunchRequest request;
    request.args = {"/bin/true"};
    request.scratch = std::move(directories);
    request.workdir = std::move(workdir);
    return request;
}

std::string refusal(const LaunchRequest& request) {
    return error_message([&] { check_scratch_request(request); });
}

const MountStep* at(const LaunchPlan& plan, const std::string& target) {
    auto found = std::find_if(plan.mounts.begin(), plan.mounts.end(),
                              [&](const MountStep& step) { return step.target == target; });
    return found == plan.mounts.end() ? nullptr : &*found;
}

}  // namespace

TEST_CASE("scratch: without -W each -S is a tmpfs of its own, parents first") {
    std::vector<MountStep> steps = plan_scratch_mounts(scratch({"/data/in", "/data", "/out/"}), "");
    CHECK(steps == std::vector<MountStep>{tmpfs_step("/data", "mode=0755", "-S /data"),
                                          tmpfs_step("/out", "mode=0755", "-S /out"),
                                          tmpfs_step("/data/in", "mode=0755", "-S /data/in")});
    CHECK(plan_scratch_mounts(scratch({}), "/work").empty());
}

TEST_CASE("scratch: with -W, WORKDIR/scratch/DIR, made with Apptainer's mode 0750") {
    std::vector<MountStep> steps = plan_scratch_mounts(scratch({"/data", "/a/b"}), "/lustre/scratch/dave");
    REQUIRE(steps.size() == 2);
    CHECK(steps[0] == work_directory_step("/lustre/scratch/dave", "scratch/data", "/data", 0750, "-S /data"));
    CHECK(steps[1].kind == MountKind::work_directory);
    CHECK(steps[1].source == "/lustre/scratch/dave");
    CHECK(steps[1].subdirectory == "scratch/a/b");
    CHECK(steps[1].target == "/a/b");
    CHECK(steps[1].mode == 0750);
    CHECK(contained_tmp_in_workdir("/w", "/tmp") == work_directory_step("/w", "tmp", "/tmp", 01777, "tmp (contained, -W)"));
    CHECK(contained_tmp_in_workdir("/w", "/var/tmp").subdirectory == "var_tmp");
    CHECK(contained_home_in_workdir("/w", "/home/dave") ==
          work_directory_step("/w", "home", "/home/dave", 0700, "home (contained, -W)"));
}

TEST_CASE("scratch: -W is resolved only when used, from the working directory, and judged as a bind source") {
    HostFacts host = dave_host();
    CHECK(plan_workdir(scratch({}, "/scratch/dave"), host, {}).empty());  // nothing goes there
    CHECK(plan_workdir(scratch({"/data"}), host, {}).empty());
    CHECK(plan_workdir(scratch({"/data"}, "/scratch/dave"), host, {}) == "/lustre/scratch/dave");
    LaunchRequest contain = scratch({}, "/scratch/dave");
    contain.contain = true;
    CHECK(plan_workdir(contain, host, {}) == "/lustre/scratch/dave");
    host.cwd = "/scratch";
    CHECK(plan_workdir(scratch({"/data"}, "dave"), host, {}) == "/lustre/scratch/dave");
    CHECK(error_message([&] { plan_workdir(scratch({"/data"}, "/nowhere"), host, {}); }, hpc::ExitCode::no_input) ==
          "-W /nowhere: no such directory");
    CHECK(error_message([&] { plan_workdir(scratch({"/data"}, "/home/dave/notes"), host, {}); }) ==
          "-W /home/dave/notes: not a directory");
    hpc::site::SiteConfig site;
    site.binds.deny = {"/lustre"};
    CHECK(error_message([&] { plan_workdir(scratch({"/data"}, "/scratch/dave"), host, site); }, hpc::ExitCode::denied)
              .starts_with("denied by site policy: binds.deny: "));
}

TEST_CASE("scratch: paths -S cannot mean are refused in one line") {
    CHECK_NOTHROW(check_scratch_request(scratch({"/data", "/a/./b//"}, "rel/work")));
    CHECK(refusal(scratch({"data"})) == "-S data: not an absolute path (a directory in the container)");
    CHECK(refusal(scratch({"/"})) == "-S /: cannot cover the container's root");
    CHECK(refusal(scratch({"//."})) == "-S //.: cannot cover the container's root");
    CHECK(refusal(scratch({"/a/../etc"})) == "-S /a/../etc: a path with '..' in it");
    CHECK(refusal(scratch({"/a/.."})) == "-S /a/..: a path with '..' in it");
    CHECK_NOTHROW(check_scratch_request(scratch({"/a/..b"})));  // a name, not the parent
    CHECK(refusal(scratch({"/a\nb"})) == "-S: a path with a control character");
    CHECK(refusal(scratch({"/data", "/data/"})) == "-S /data/: given twice");
    std::vector<std::string> many;
    for (std::size_t index = 0; index <= max_scratch_directories; ++index) many.push_back("/d" + std::to_string(index));
    CHECK(refusal(scratch(many)) == "-S: 65 directories, more than 64");
    many.pop_back();
    CHECK_NOTHROW(check_scratch_request(scratch(many)));
    CHECK(refusal(scratch({"/" + std::string(max_scratch_path, 'a')})) == "-S: a path of 4096 bytes, longer than 4095");
    CHECK(refusal(scratch({}, "/" + std::string(max_scratch_path, 'w'))) == "-W: a path of 4096 bytes, longer than 4095");
}

TEST_CASE("scratch: in a whole plan, after the user's binds, and --contain -W puts /tmp, /var/tmp and home in WORKDIR") {
    ImageSummary image = hpc::test::invented_image("/work/app.sif", "dave", {"/bin/sh"});
    SECTION("-S without -W") {
        LaunchPlan plan = plan_launch(scratch({"/data"}), dave_host(), image);
        REQUIRE(at(plan, "/data"));
        CHECK(*at(plan, "/data") == tmpfs_step("/data", "mode=0755", "-S /data"));
        CHECK(at(plan, "/tmp")->kind == MountKind::bind);  // -W or not, /tmp is the host's without --contain
    }
    SECTION("-S after -B, so that a scratch directory may go inside a bind") {
        LaunchRequest request = scratch({"/work/tmp"}, "/scratch/dave");
        request.binds = parse_bind_list("/work");
        LaunchPlan plan = plan_launch(request, dave_host(), image);
        auto bind = std::find_if(plan.mounts.begin(), plan.mounts.end(), [](const MountStep& s) { return s.target == "/work"; });
        auto work = std::find_if(plan.mounts.begin(), plan.mounts.end(), [](const MountStep& s) { return s.target == "/work/tmp"; });
        REQUIRE(work != plan.mounts.end());
        CHECK(bind < work);
        CHECK(work->subdirectory == "scratch/work/tmp");
        CHECK(at(plan, "/tmp")->source == "/tmp");
    }
    SECTION("--contain with -W") {
        LaunchRequest request = scratch({}, "/scratch/dave");
        request.contain = true;
        LaunchPlan plan = plan_launch(request, dave_host(), image);
        CHECK(*at(plan, "/tmp") == contained_tmp_in_workdir("/lustre/scratch/dave", "/tmp"));
        CHECK(*at(plan, "/var/tmp") == contained_tmp_in_workdir("/lustre/scratch/dave", "/var/tmp"));
        CHECK(*at(plan, "/home/dave") == contained_home_in_workdir("/lustre/scratch/dave", "/home/dave"));
        CHECK(at(plan, "/dev/shm")->kind == MountKind::tmpfs);  // not WORKDIR's, as in Apptainer
        // --home names a home of the user's choosing: it is bound, not WORKDIR's.
        request.home = "/work:/home/dave";
        LaunchPlan chosen = plan_launch(request, dave_host(), image);
        REQUIRE(at(chosen, "/home/dave"));
        CHECK(*at(chosen, "/home/dave") == bind_step("/work", "/home/dave", false, "home"));
    }
    SECTION("the plan says where each goes") {
        LaunchRequest request = scratch({"/data"}, "/scratch/dave");
        std::string text = describe(plan_launch(request, dave_host(), image));
        CHECK(text.find("  bind /lustre/scratch/dave/scratch/data -> /data (made if missing, mode 0750)  # -S /data\n") !=
              std::string::npos);
    }
}
