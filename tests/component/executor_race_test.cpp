// A hostile user against the executor (issue 14): a bind source swapped with a link to a
// directory the site's policy denies, between the planner's check and the mount. The executor
// mounts through a descriptor of exactly the checked path, so the denied directory never shows.
#include "common/error.hpp"
#include "namespace_child.hpp"
#include "sandbox/run/executor.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace hpc::sandbox;

namespace {

struct Scratch {
    std::string path;
    Scratch() {
        char name[] = "/tmp/hpc-executor-race-XXXXXX";
        REQUIRE(::mkdtemp(name));
        path = name;
    }
    ~Scratch() { std::system(("rm -rf '" + path + "'").c_str()); }
};

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Exchanges `a` and `b` (a directory and a link) until killed.
pid_t start_swapping(const std::string& a, const std::string& b) {
    pid_t swapper = ::fork();
    if (swapper == 0)
        for (;;) ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
    return swapper;
}

}  // namespace

TEST_CASE("executor: a bind source swapped with a link after the check never shows the link's target") {
    Scratch scratch;
    const std::string root = scratch.path + "/root", victim = scratch.path + "/victim";
    const std::string source = scratch.path + "/user/data", decoy = scratch.path + "/user/decoy";
    for (const std::string& directory : {root, root + "/mnt", victim, scratch.path + "/user", source})
        REQUIRE(::mkdir(directory.c_str(), 0755) == 0);
    write(victim + "/secret", "denied\n");
    write(source + "/mine", "mine\n");
    // Relative, as an attacker would make it: it leads to the victim from /oldroot too.
    REQUIRE(::symlink("../victim", decoy.c_str()) == 0);

    LaunchPlan plan;
    plan.root.source = RootPlan::Source::directory;
    plan.root.directory = root;
    plan.mounts = {bind_step(source, "/mnt", false, "-B " + source + ":/mnt")};  // the path the policy judged

    pid_t swapper = start_swapping(source, decoy);
    int shown = 0, mounted = 0, refused = 0;
    const int rounds = 150;
    for (int round = 0; round < rounds; ++round) {
        hpc::test::ChildOutcome outcome = hpc::test::run_in_user_namespace([&](hpc::test::ChildReport& child) {
            try {
                Executor(plan, {}).prepare();
            } catch (const hpc::Error& error) {  // the swap seen: refused, as it should be
                child.note(error.code() == hpc::ExitCode::denied ? "refused" : error.what());
                return;
            }
            struct stat status {};
            child.note(::stat("/newroot/mnt/secret", &status) == 0 ? "shown" : "mounted");
        });
        if (!outcome.skipped.empty()) {
            ::kill(swapper, SIGKILL);
            ::waitpid(swapper, nullptr, 0);
            WARN("SKIPPED: " << outcome.skipped);
            return;
        }
        REQUIRE(outcome.abnormal.empty());
        REQUIRE(outcome.notes.size() == 1);
        shown += outcome.notes[0] == "shown";
        mounted += outcome.notes[0] == "mounted";
        refused += outcome.notes[0] == "refused";
    }
    ::kill(swapper, SIGKILL);
    ::waitpid(swapper, nullptr, 0);
    INFO("of " << rounds << " launches: " << mounted << " mounted the checked directory, " << refused
               << " were refused, " << shown << " showed the denied one");
    CHECK(shown == 0);
    CHECK(mounted + refused == rounds);
}
