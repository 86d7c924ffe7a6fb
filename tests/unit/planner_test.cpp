#include "common/error.hpp"
#include "sandbox/environment/known_scripts.hpp"
#include "sandbox/plan/planner.hpp"

#include "invented_host.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace hpc::sandbox;

namespace {

// A host where /home/alice is really /data/home/alice, as on many clusters.
HostFacts alice_host(std::string cwd = "/home/alice/project") {
    HostFacts host;
    host.user = hpc::test::invented_user(1001, "alice", "/bin/bash");
    host.cwd = std::move(cwd);
    host.environ = {"TERM=xterm", "HOME=/home/alice", "PATH=/usr/bin:/bin", "FOO=bar"};
    std::set<std::string> existing = hpc::test::usual_host_paths();
    existing.insert({"/dev/tty", "/dev/shm", "/tmp", "/var/tmp", "/etc/resolv.conf", "/etc/hosts", "/data/home/alice",
                     "/data/home/alice/project", "/scratch", "/scratch/run", "/opt/data"});
    host.canonical = hpc::test::invented_paths({{"/home/alice", "/data/home/alice"}}, existing);
    return host;
}

ImageSummary busybox_image(std::set<std::string> paths = {"/bin/sh", "/etc", "/usr", "/usr/bin"}) {
    return hpc::test::invented_image("/scratch/busybox.sif", "alice", std::move(paths));
}

LaunchRequest exec_request(std::vector<std::string> args = {"/bin/true"}) {
    LaunchRequest request;
    request.action = Action::exec;
    request.args = std::move(args);
    return request;
}

const MountStep* find_target(const LaunchPlan& plan, const std::string& target) {
    auto found = std::find_if(plan.mounts.begin(), plan.mounts.end(),
                              [&](const MountStep& step) { return step.target == target; });
    return found == plan.mounts.end() ? nullptr : &*found;
}

std::vector<std::string> targets(const LaunchPlan& plan) {
    std::vector<std::string> list;
    for (const MountStep& step : plan.mounts) list.push_back(step.target);
    return list;
}

hpc::Error plan_error(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image) {
    return hpc::test::thrown_error([&] { plan_launch(request, host, image); });
}

}  // namespace

TEST_CASE("planner: the default plan maps the user to itself and mounts the host's view in order") {
    LaunchPlan plan = plan_launch(exec_request(), alice_host(), busybox_image());
    CHECK(plan.uid_map == std::vector<IdMap>{{1001, 1001, 1}});
    CHECK(plan.gid_map == std::vector<IdMap>{{1001, 1001, 1}});
    CHECK(targets(plan) == std::vector<std::string>{
                               "/proc", "/sys", "/dev", "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                               "/dev/urandom", "/dev/tty", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr",
                               "/dev/shm", "/dev/pts", "/dev/ptmx", "/tmp", "/var/tmp", "/etc/resolv.conf",
                               "/etc/hosts", "/home/alice", "/etc/passwd", "/etc/group"});
    CHECK(find_target(plan, "/proc")->kind == MountKind::bind);
    CHECK(find_target(plan, "/dev")->kind == MountKind::tmpfs);
    CHECK(find_target(plan, "/dev/pts")->kind == MountKind::devpts);
    CHECK(find_target(plan, "/dev/shm")->source == "/dev/shm");
    CHECK(find_target(plan, "/tmp")->source == "/tmp");
    // The home is bound from its real location, at the path the user knows.
    CHECK(find_target(plan, "/home/alice")->source == "/data/home/alice");
    CHECK(plan.root.source == RootPlan::Source::squashfs);
    CHECK_FALSE(plan.root.overlay);
    CHECK_FALSE(plan.namespaces.pid);
}

TEST_CASE("planner: a host without an optional source leaves its mount out, one with it binds it") {
    LaunchPlan plan = plan_launch(exec_request(), alice_host(), busybox_image());
    CHECK(find_target(plan, "/etc/localtime") == nullptr);  // this host has none
    HostFacts with_localtime = alice_host();
    with_localtime.canonical = [facts = alice_host().canonical](const std::string& path) -> std::optional<std::string> {
        if (path == "/etc/localtime") return "/usr/share/zoneinfo/Europe/Paris";  // a link, as Debian makes it
        return facts(path);
    };
    LaunchPlan bound = plan_launch(exec_request(), with_localtime, busybox_image());
    const MountStep* localtime = find_target(bound, "/etc/localtime");
    REQUIRE(localtime);
    CHECK(localtime->source == "/usr/share/zoneinfo/Europe/Paris");
    CHECK_FALSE(localtime->is_directory);
}

TEST_CASE("planner: the identity files add the user to the image's passwd and group") {
    LaunchPlan plan = plan_launch(exec_request(), alice_host(), busybox_image());
    const MountStep* passwd = find_target(plan, "/etc/passwd");
    REQUIRE(passwd);
    CHECK(passwd->kind == MountKind::file);
    CHECK(passwd->content.find("root:x:0:0:root:/root:/bin/sh\n") == 0);
    CHECK(passwd->content.find("alice:x:1001:1001:") != std::string::npos);
    CHECK(passwd->content.find(":/home/alice:/bin/sh\n") != std::string::npos);  // no bash in the image
    const MountStep* group = find_target(plan, "/etc/group");
    REQUIRE(group);
    CHECK(group->content.find("alice:x:1001:") != std::string::npos);
}

TEST_CASE("planner: the working directory is bound when the container would not have it") {
    SECTION("inside the home: the home bind already shows it") {
        LaunchPlan plan = plan_launch(exec_request(), alice_host("/home/alice/project"), busybox_image());
        CHECK(find_target(plan, "/home/alice/project") == nullptr);
        CHECK(plan.working_directories == std::vector<std::string>{"/home/alice/project", "/home/alice", "/"});
    }
    SECTION("outside every bind and missing from the image: bound at its path") {
        LaunchPlan plan = plan_launch(exec_request(), alice_host("/scratch/run"), busybox_image());
        const MountStep* cwd = find_target(plan, "/scratch/run");
        REQUIRE(cwd);
        CHECK(cwd->source == "/scratch/run");
        CHECK(cwd->purpose == "cwd");
    }
    SECTION("a later bind over the home hides it there: bound by itself, over that bind") {
        LaunchRequest request = exec_request();
        request.binds = {{"/scratch", "/home/alice", false}};
        LaunchPlan plan = plan_launch(request, alice_host("/home/alice/project"), busybox_image());
        REQUIRE(find_target(plan, "/home/alice/project"));
        CHECK(find_target(plan, "/home/alice/project")->source == "/data/home/alice/project");
    }
    SECTION("a path the image has is the image's") {
        LaunchPlan plan = plan_launch(exec_request(), alice_host("/usr/bin"), busybox_image());
        CHECK(find_target(plan, "/usr/bin") == nullptr);
    }
    SECTION("with --no-home the working directory in the home is bound by itself") {
        LaunchRequest request = exec_request();
        request.no_home = true;
        LaunchPlan plan = plan_launch(request, alice_host("/home/alice/project"), busybox_image());
        CHECK(find_target(plan, "/home/alice") == nullptr);
        REQUIRE(find_target(plan, "/home/alice/project"));
        CHECK(find_target(plan, "/home/alice/project")->source == "/data/home/alice/project");
    }
    SECTION("--pwd replaces the fallbacks and is required") {
        LaunchRequest request = exec_request();
        request.pwd = "/usr/bin/../lib";
        LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
        CHECK(plan.working_directories == std::vector<std::string>{"/usr/lib"});
        CHECK(plan.working_directory_required);
    }
}

TEST_CASE("planner: --contain gives empty /tmp, /var/tmp, /dev/shm and home, and no cwd bind") {
    LaunchRequest request = exec_request();
    request.contain = true;
    LaunchPlan plan = plan_launch(request, alice_host("/scratch/run"), busybox_image());
    for (const char* target : {"/tmp", "/var/tmp", "/dev/shm", "/home/alice"}) {
        INFO(target);
        REQUIRE(find_target(plan, target));
        CHECK(find_target(plan, target)->kind == MountKind::tmpfs);
    }
    CHECK(find_target(plan, "/scratch/run") == nullptr);
    CHECK_FALSE(plan.namespaces.pid);
}

TEST_CASE("planner: behind slirp, resolv.conf names its DNS and the launch keeps its mount to itself") {
    LaunchRequest request = exec_request();
    request.network.network = "slirp";
    LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
    CHECK(plan.network.mode == NetworkMode::slirp);
    CHECK_FALSE(plan.share_mount);
    const MountStep* resolv = find_target(plan, "/etc/resolv.conf");
    REQUIRE(resolv);
    CHECK(resolv->kind == MountKind::file);
    CHECK(resolv->content == "nameserver 10.0.2.3\n");
    // The host's network: the host's resolv.conf, and the node's shared mount.
    LaunchPlan host_plan = plan_launch(exec_request(), alice_host(), busybox_image());
    CHECK(host_plan.share_mount);
    resolv = find_target(host_plan, "/etc/resolv.conf");
    REQUIRE(resolv);
    CHECK((resolv->kind == MountKind::bind && resolv->source == "/etc/resolv.conf"));
}

TEST_CASE("planner: a shared mount's server lingers as the site says, or --share-linger, and meets by the host's mounts") {
    HostFacts host = alice_host();
    host.mount_table = [] { return std::string("7f3a"); };
    LaunchPlan plan = plan_launch(exec_request(), host, busybox_image());
    CHECK(plan.share_linger_seconds == 5);  // the site's default
    CHECK(plan.host_mounts == "7f3a");
    hpc::site::SiteConfig site;
    site.mount.share_linger_seconds = 0;
    CHECK(plan_launch(exec_request(), host, busybox_image(), site).share_linger_seconds == 0);
    LaunchRequest request = exec_request();
    request.share_linger = 60;
    CHECK(plan_launch(request, host, busybox_image(), site).share_linger_seconds == 60);
    // No shared mount, nothing to linger and no meeting.
    request.no_share = true;
    LaunchPlan alone = plan_launch(request, host, busybox_image(), site);
    CHECK(alone.share_linger_seconds == 0);
    CHECK(alone.host_mounts.empty());
    CHECK(describe(plan).find("its server staying 5 s after the last launch") != std::string::npos);
}

TEST_CASE("planner: a Slurm step's task does not linger, unless its user asks") {
    HostFacts host = alice_host();
    host.environ.push_back("SLURM_JOB_ID=42");
    host.environ.push_back("SLURM_STEP_ID=0");
    hpc::site::SiteConfig site;
    site.mount.share_linger_seconds = 30;
    // A program of a batch script or of a task's script: the step's next launch may join.
    CHECK(plan_launch(exec_request(), host, busybox_image(), site).share_linger_seconds == 30);
    host.slurm_task = true;
    LaunchPlan task = plan_launch(exec_request(), host, busybox_image(), site);
    CHECK(task.share_mount);
    CHECK(task.share_scope == "slurm job 42 step 0");
    CHECK(task.share_linger_seconds == 0);
    LaunchRequest request = exec_request();
    request.share_linger = 10;
    CHECK(plan_launch(request, host, busybox_image(), site).share_linger_seconds == 10);
}

TEST_CASE("planner: in a Slurm job, the mount is shared by the job's step alone") {
    HostFacts host = alice_host();
    CHECK(plan_launch(exec_request(), host, busybox_image()).share_scope.empty());
    host.environ.push_back("SLURM_JOB_ID=12");
    CHECK(plan_launch(exec_request(), host, busybox_image()).share_scope == "slurm job 12");
    host.environ.push_back("SLURM_STEP_ID=3");
    CHECK(plan_launch(exec_request(), host, busybox_image()).share_scope == "slurm job 12 step 3");
    LaunchRequest cleaned = exec_request();
    cleaned.clean_env = true;  // the epilog finds the job's container processes by SLURM_JOB_ID
    std::vector<std::string> envp = plan_launch(cleaned, host, busybox_image()).command.envp;
    CHECK(std::find(envp.begin(), envp.end(), "SLURM_JOB_ID=12") != envp.end());
    CHECK(std::find(envp.begin(), envp.end(), "SLURM_STEP_ID=3") == envp.end());
}

TEST_CASE("planner: the site's policy: default binds, denied binds and images, its network and sharing") {
    hpc::site::SiteConfig site;
    site.binds.default_binds = {{"/scratch", "/scratch", false}, {"/project", "/project", true}};  // no /project here
    site.binds.deny = {"/opt/data"};
    LaunchPlan plan = plan_launch(exec_request(), alice_host(), busybox_image(), site);
    const MountStep* scratch = find_target(plan, "/scratch");
    REQUIRE(scratch);
    CHECK(scratch->source == "/scratch");
    CHECK_FALSE(find_target(plan, "/project"));  // skipped: missing on this host

    LaunchRequest bind = exec_request();
    bind.binds = {{"/opt/data", "/data", false}};
    hpc::Error denied = hpc::test::thrown_error([&] { plan_launch(bind, alice_host(), busybox_image(), site); });
    CHECK(denied.code() == hpc::ExitCode::denied);
    CHECK(std::string(denied.what()) == "denied by site policy: binds.deny: /opt/data");
    LaunchRequest home = exec_request();
    home.home = "/opt/data:/home/alice";
    CHECK_THROWS_WITH(plan_launch(home, alice_host(), busybox_image(), site), Catch::Contains("binds.deny"));

    hpc::site::SiteConfig images;
    images.images.allow_paths = {"/opt/containers"};
    CHECK_THROWS_WITH(plan_launch(exec_request(), alice_host(), busybox_image(), images),
                      "denied by site policy: images.allow_paths: /scratch/busybox.sif");
    images.images.allow_paths = {"/scratch"};
    images.images.allow_owners = {"bob"};
    CHECK_THROWS_WITH(plan_launch(exec_request(), alice_host(), busybox_image(), images),
                      Catch::Contains("images.allow_owners: alice"));

    hpc::site::SiteConfig no_fakeroot;
    no_fakeroot.fakeroot.allow = false;
    LaunchRequest fakeroot = exec_request();
    fakeroot.fakeroot = true;
    CHECK_THROWS_WITH(plan_launch(fakeroot, alice_host(), busybox_image(), no_fakeroot),
                      "denied by site policy: fakeroot.allow: --fakeroot");

    hpc::site::SiteConfig private_mounts;
    private_mounts.mount.share_per_node = false;
    private_mounts.network.default_network = "none";
    LaunchPlan contained = plan_launch(exec_request(), alice_host(), busybox_image(), private_mounts);
    CHECK_FALSE(contained.share_mount);
    CHECK(contained.network.mode == NetworkMode::none);
}

TEST_CASE("planner: --containall is --contain, --cleanenv, --pid and --ipc") {
    LaunchRequest request = exec_request();
    request.containall = true;
    LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
    CHECK(plan.namespaces.pid);
    CHECK(plan.namespaces.ipc);
    CHECK(find_target(plan, "/proc")->kind == MountKind::proc);
    CHECK(find_target(plan, "/tmp")->kind == MountKind::tmpfs);
    bool foo_passed = std::any_of(plan.command.envp.begin(), plan.command.envp.end(),
                                  [](const std::string& variable) { return variable == "FOO=bar"; });
    CHECK_FALSE(foo_passed);
}

TEST_CASE("planner: --home chooses the home directory's source and place") {
    SECTION("src:dst") {
        LaunchRequest request = exec_request();
        request.home = "/scratch:/home/work";
        LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
        REQUIRE(find_target(plan, "/home/work"));
        CHECK(find_target(plan, "/home/work")->source == "/scratch");
        CHECK(find_target(plan, "/home/alice") == nullptr);
        CHECK(std::count(plan.command.envp.begin(), plan.command.envp.end(), "HOME=/home/work") == 1);
    }
    SECTION("a missing source is an error naming it") {
        LaunchRequest request = exec_request();
        request.home = "/nonexistent";
        hpc::Error error = plan_error(request, alice_host(), busybox_image());
        CHECK(error.code() == hpc::ExitCode::no_input);
        CHECK(std::string(error.what()) == "--home /nonexistent: no such directory");
    }
}

TEST_CASE("planner: user binds come after the defaults, resolved on the host") {
    LaunchRequest request = exec_request();
    request.binds = {{"/opt/data", "/data", true}, {"/scratch", "/scratch", false}};
    LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
    const MountStep* data = find_target(plan, "/data");
    REQUIRE(data);
    CHECK(data->source == "/opt/data");
    CHECK(data->read_only);
    CHECK(data->purpose == "bind /opt/data to /data");
    std::vector<std::string> order = targets(plan);
    CHECK(std::find(order.begin(), order.end(), "/data") > std::find(order.begin(), order.end(), "/home/alice"));
}

TEST_CASE("planner: bad requests fail with one clear message and their own exit code") {
    SECTION("a missing bind source") {
        LaunchRequest request = exec_request();
        request.binds = {{"/nope", "/mnt", false}};
        hpc::Error error = plan_error(request, alice_host(), busybox_image());
        CHECK(error.code() == hpc::ExitCode::no_input);
        CHECK(std::string(error.what()) == "bind /nope to /mnt: source not found");
    }
    SECTION("a bind over the root") {
        LaunchRequest request = exec_request();
        request.binds = {{"/scratch", "/", false}};
        CHECK(plan_error(request, alice_host(), busybox_image()).code() == hpc::ExitCode::usage);
    }
    SECTION("--writable on a SIF") {
        LaunchRequest request = exec_request();
        request.writable = true;
        hpc::Error error = plan_error(request, alice_host(), busybox_image());
        CHECK(error.code() == hpc::ExitCode::data);
        CHECK(std::string(error.what()).find("--writable needs a directory") != std::string::npos);
    }
    SECTION("--writable with --writable-tmpfs") {
        LaunchRequest request = exec_request();
        request.writable = request.writable_tmpfs = true;
        CHECK(plan_error(request, alice_host(), busybox_image()).code() == hpc::ExitCode::usage);
    }
    SECTION("an unknown --no-mount name") {
        LaunchRequest request = exec_request();
        request.no_mount = {"everything"};
        hpc::Error error = plan_error(request, alice_host(), busybox_image());
        CHECK(std::string(error.what()) == "--no-mount everything: not a mount hpc makes");
    }
}

TEST_CASE("planner: --no-mount removes whole groups or single paths") {
    LaunchRequest request = exec_request();
    request.no_mount = {"tmp", "/etc/hosts", "dev", "home"};
    LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
    for (const char* gone : {"/tmp", "/var/tmp", "/etc/hosts", "/dev", "/dev/null", "/dev/pts", "/home/alice"}) {
        INFO(gone);
        CHECK(find_target(plan, gone) == nullptr);
    }
    CHECK(find_target(plan, "/etc/resolv.conf"));
}

TEST_CASE("planner: the root of each kind of image") {
    SECTION("a directory is bound read-only, without an overlay") {
        ImageSummary image = busybox_image();
        image.is_directory = true;
        image.path = "/scratch/sandbox";
        LaunchPlan plan = plan_launch(exec_request(), alice_host(), image);
        CHECK(plan.root.source == RootPlan::Source::directory);
        CHECK(plan.root.directory == "/scratch/sandbox");
        CHECK_FALSE(plan.root.overlay);
        CHECK_FALSE(plan.root.writable);
    }
    SECTION("--writable writes the directory itself") {
        ImageSummary image = busybox_image();
        image.is_directory = true;
        LaunchRequest request = exec_request();
        request.writable = true;
        LaunchPlan plan = plan_launch(request, alice_host(), image);
        CHECK(plan.root.writable);
        CHECK_FALSE(plan.root.overlay);
    }
    SECTION("--writable-tmpfs over a SIF") {
        LaunchRequest request = exec_request();
        request.writable_tmpfs = true;
        LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
        CHECK(plan.root.overlay);
    }
}

TEST_CASE("planner: the payload learns which container it is in") {
    LaunchPlan plan = plan_launch(exec_request(), alice_host(), busybox_image());
    for (const char* variable : {"APPTAINER_CONTAINER=/scratch/busybox.sif", "APPTAINER_NAME=busybox.sif",
                                 "SINGULARITY_CONTAINER=/scratch/busybox.sif"}) {
        INFO(variable);
        CHECK(std::count(plan.command.envp.begin(), plan.command.envp.end(), variable) == 1);
    }
}

TEST_CASE("planner: the user's terminal is shown as /dev/console, and only with a terminal") {
    HostFacts host = alice_host();
    LaunchPlan without = plan_launch(exec_request(), host, busybox_image());
    CHECK(find_target(without, "/dev/console") == nullptr);
    CHECK(without.terminal.empty());
    host.terminal = "/dev/tty";  // one this fake host has
    LaunchPlan with = plan_launch(exec_request(), host, busybox_image());
    const MountStep* console = find_target(with, "/dev/console");
    REQUIRE(console);
    CHECK(console->source == "/dev/tty");
    CHECK_FALSE(console->is_directory);
}

TEST_CASE("planner: the payload's terminal is opened again where the console step puts it") {
    HostFacts host = alice_host();
    host.terminal = "/dev/tty";
    LaunchPlan plan = plan_launch(exec_request(), host, busybox_image());
    CHECK(plan.terminal == "/dev/console");
    CHECK(describe(plan).find("terminal: /dev/console (descriptors 0-2 on it opened there again)") != std::string::npos);
    // Without hpc's /dev the terminal is not in the container: nothing to open there.
    LaunchRequest no_dev = exec_request();
    no_dev.no_mount = {"dev"};
    LaunchPlan bare = plan_launch(no_dev, host, busybox_image());
    CHECK(find_target(bare, "/dev/console") == nullptr);
    CHECK(bare.terminal.empty());
    CHECK(describe(bare).find("terminal:") == std::string::npos);
}

TEST_CASE("planner: as root (builds), uid 0 is the user, HOME is /root and the image's passwd stays") {
    LaunchRequest request = exec_request();
    request.as_root = true;
    request.pwd = "/";
    LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
    CHECK(plan.uid_map == std::vector<IdMap>{{0, 1001, 1}});
    CHECK(plan.gid_map == std::vector<IdMap>{{0, 1001, 1}});
    CHECK(find_target(plan, "/etc/passwd") == nullptr);
    CHECK(find_target(plan, "/etc/group") == nullptr);
    CHECK(find_target(plan, "/home/alice") == nullptr);
    CHECK(find_target(plan, "/root") == nullptr);
    CHECK(std::count(plan.command.envp.begin(), plan.command.envp.end(), "HOME=/root") == 1);
}

TEST_CASE("planner: --fakeroot is root inside with the subordinate ranges, or one id and the filter") {
    LaunchRequest request = exec_request();
    request.fakeroot = true;
    request.pwd = "/";
    HostFacts host = alice_host();
    int asked = 0;
    host.subordinate_ids = [&asked] {
        ++asked;
        SubordinateIds ids;
        ids.uids = {{100000, 65536}};
        ids.gids = {{200000, 65536}};
        return ids;
    };
    LaunchPlan plan = plan_launch(request, host, busybox_image());
    CHECK(asked == 1);
    CHECK(plan.uid_map == std::vector<IdMap>{{0, 1001, 1}, {1, 100000, 65536}});
    CHECK(plan.gid_map == std::vector<IdMap>{{0, 1001, 1}, {1, 200000, 65536}});
    CHECK_FALSE(plan.ownership_ignored);
    CHECK(plan.warnings.empty());
    CHECK(find_target(plan, "/etc/passwd") == nullptr);  // the image's own: whoami says root
    CHECK(find_target(plan, "/root") == nullptr);        // the host home is not bound over /root
    CHECK(std::count(plan.command.envp.begin(), plan.command.envp.end(), "HOME=/root") == 1);

    host.subordinate_ids = [] { return SubordinateIds{}; };
    LaunchPlan one_id = plan_launch(request, host, busybox_image());
    CHECK(one_id.uid_map == std::vector<IdMap>{{0, 1001, 1}});
    CHECK(one_id.ownership_ignored);
    REQUIRE(one_id.warnings.size() == 1);
    CHECK(describe(one_id).find("ownership filter") != std::string::npos);

    // Without --fakeroot the ranges are never read (that loads libsubid).
    asked = 0;
    host.subordinate_ids = [&asked] { return ++asked, SubordinateIds{}; };
    plan_launch(exec_request(), host, busybox_image());
    CHECK(asked == 0);
}

TEST_CASE("planner: a working directory the site's policy denies is not bound: the container starts in $HOME") {
    // Issue 14: `cd /etc/apt && hpc exec img ls` showed the host's /etc/apt under binds.deny = ["/etc"].
    hpc::site::SiteConfig deny;
    deny.binds.deny = {"/opt"};
    hpc::site::SiteConfig allow;
    allow.binds.allow = {"/scratch"};
    for (const hpc::site::SiteConfig& site : {deny, allow}) {
        std::string cwd = "/opt/data";
        LaunchPlan plan = plan_launch(exec_request(), alice_host(cwd), busybox_image(), site);
        CHECK(find_target(plan, cwd) == nullptr);
        CHECK(plan.working_directories == std::vector<std::string>{"/home/alice", "/"});
        REQUIRE(plan.warnings.size() == 1);
        CHECK(plan.warnings[0].starts_with("the working directory /opt/data is not bound (denied by site policy: binds."));
        CHECK(plan.warnings[0].ends_with("/opt/data): starting in /home/alice"));
    }
    // Allowed, it is bound as before.
    LaunchPlan plan = plan_launch(exec_request(), alice_host("/scratch/run"), busybox_image(), allow);
    REQUIRE(find_target(plan, "/scratch/run"));
    CHECK(plan.working_directories.front() == "/scratch/run");
}

TEST_CASE("planner: --no-umask gives the payload umask 0022, and without it the caller's stays") {
    CHECK_FALSE(plan_launch(exec_request(), alice_host(), busybox_image()).command.umask);
    LaunchRequest request = exec_request();
    request.no_umask = true;
    LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
    REQUIRE(plan.command.umask);
    CHECK(*plan.command.umask == 0022);
    CHECK(describe(plan).find("\numask: 0022\n") != std::string::npos);
}

TEST_CASE("planner: --no-privs leaves the payload no capabilities, and --dry-run says so") {
    CHECK_FALSE(plan_launch(exec_request(), alice_host(), busybox_image()).command.no_capabilities);
    LaunchRequest request = exec_request();
    request.no_privs = true;
    LaunchPlan plan = plan_launch(request, alice_host(), busybox_image());
    CHECK(plan.command.no_capabilities);
    CHECK(describe(plan).find("\ncapabilities: none (bounding set emptied)\n") != std::string::npos);
}

TEST_CASE("planner: hpc's own scripts give a direct command, unless a bind puts libraries in /.singularity.d/libs") {
    ImageSummary image = busybox_image({"/bin/sh", "/etc", "/usr", "/usr/bin", "/.singularity.d/libs"});
    image.facts.env_scripts = {"/.singularity.d/env/01-base.sh", "/.singularity.d/env/99-base.sh"};
    image.facts.known_scripts = {*recognise_script("01-base.sh", base_script),
                                 *recognise_script("99-base.sh", library_and_prompt_script)};
    LaunchPlan plan = plan_launch(exec_request(), alice_host(), image);
    CHECK_FALSE(plan.command.via_shell);
    CHECK(plan.command.argv == std::vector<std::string>{"/bin/true"});

    // The action script would find it there and ask ldconfig for the system's directories.
    LaunchRequest request = exec_request();
    request.binds = {{"/opt/data", "/.singularity.d/libs/extra", true}};
    CHECK(plan_launch(request, alice_host(), image).command.via_shell);
}
