// The planner with --app: the app must be a name and the image's, the payload learns it by
// APPTAINER_APPNAME and SINGULARITY_APPNAME, and run and test go to the app's scripts.
#include "common/error.hpp"
#include "sandbox/plan/planner.hpp"

#include "invented_host.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace hpc::sandbox;

namespace {

HostFacts host() {
    HostFacts facts;
    facts.user = hpc::test::invented_user(1001, "alice", "/bin/sh");
    facts.cwd = "/scratch";
    facts.environ = {"HOME=/home/alice", "PATH=/usr/bin:/bin"};
    std::set<std::string> existing = hpc::test::usual_host_paths();
    existing.insert({"/dev/shm", "/tmp", "/var/tmp", "/etc/resolv.conf", "/etc/hosts", "/home/alice", "/scratch"});
    facts.canonical = hpc::test::invented_paths({}, existing);
    return facts;
}

// An image with the app "foo" (a runscript, no test), as launch/image_summary.cpp finds it when
// --app foo asks for it.
ImageSummary image_with_foo(const std::string& asked) {
    ImageSummary image = hpc::test::invented_image("/scratch/apps.sif", "alice", {"/bin/sh", "/scif/apps/foo/scif"});
    image.facts.env_scripts = {"/.singularity.d/env/94-appsbase.sh", "/.singularity.d/env/99-base.sh"};
    if (asked == "foo") {
        image.facts.app = ScifAppFacts{};
        image.facts.app->name = "foo";
        image.facts.app->has_runscript = true;
    }
    return image;
}

LaunchRequest request(Action action, const std::string& app, std::vector<std::string> args = {}) {
    LaunchRequest asked;
    asked.action = action;
    asked.app = app;
    asked.args = std::move(args);
    return asked;
}

bool has_entry(const LaunchPlan& plan, const std::string& entry) {
    return std::count(plan.command.envp.begin(), plan.command.envp.end(), entry) == 1;
}

}  // namespace

TEST_CASE("scif planner: --app names the app to the payload and runs its runscript", "[scif]") {
    LaunchPlan plan = plan_launch(request(Action::run, "foo", {"x"}), host(), image_with_foo("foo"));
    CHECK(has_entry(plan, "APPTAINER_APPNAME=foo"));
    CHECK(has_entry(plan, "SINGULARITY_APPNAME=foo"));
    REQUIRE(plan.command.via_shell);
    CHECK(plan.command.argv.at(2).ends_with("exec '/scif/apps/foo/scif/runscript' \"$@\"\n"));
    CHECK(plan.command.argv.back() == "x");
    // Without --app, no app's name and the image's runscript.
    LaunchPlan plain = plan_launch(request(Action::exec, "", {"true"}), host(), image_with_foo(""));
    CHECK(std::none_of(plain.command.envp.begin(), plain.command.envp.end(),
                       [](const std::string& entry) { return entry.find("APPNAME=") != std::string::npos; }));
}

TEST_CASE("scif planner: an app the image has not got, a bad name, a missing test: one line each", "[scif]") {
    hpc::Error unknown = hpc::test::thrown_error(
        [&] { plan_launch(request(Action::exec, "bar", {"true"}), host(), image_with_foo("bar")); });
    CHECK(unknown.code() == hpc::ExitCode::no_input);
    CHECK(std::string(unknown.what()) ==
          "/scratch/apps.sif: no app bar in the image (hpc inspect --list-apps /scratch/apps.sif lists its apps)");
    hpc::Error bad_name = hpc::test::thrown_error(
        [&] { plan_launch(request(Action::run, "../foo"), host(), image_with_foo("../foo")); });
    CHECK(bad_name.code() == hpc::ExitCode::usage);
    CHECK(std::string(bad_name.what()) ==
          "--app ../foo: not an app name (an app's name is letters, digits, '_', '.' and '-', not starting with '.' or "
          "'-', at most 64 bytes)");
    hpc::Error no_test =
        hpc::test::thrown_error([&] { plan_launch(request(Action::test, "foo"), host(), image_with_foo("foo")); });
    CHECK(no_test.code() == hpc::ExitCode::data);
    CHECK(std::string(no_test.what()) == "the app foo has no test (no %apptest foo)");
}
