// Each step of plan_launch alone (sandbox/plan/launch_steps.hpp), on an invented host and image:
// planner_test.cpp checks the plans they make together.
#include "common/error.hpp"
#include "sandbox/plan/launch_steps.hpp"

#include "invented_host.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace hpc::sandbox;
using Strings = std::vector<std::string>;
using hpc::test::error_message;

namespace {

// Carol's workstation: her home is a link into /data and resolv.conf one into /run, as
// systemd-resolved makes it; `extra` are host paths that exist besides those.
HostFacts carol_host(std::string cwd = "/home/carol", std::set<std::string> extra = {}) {
    HostFacts host;
    host.user = hpc::test::invented_user(1003, "carol", "/bin/zsh");
    host.user.groups.push_back({27, "sudo"});
    host.cwd = std::move(cwd);
    host.environ = {"HOME=/home/carol", "PATH=/usr/bin:/bin", "EDITOR=vi"};
    std::set<std::string> existing = hpc::test::usual_host_paths();
    existing.insert({"/tmp", "/run/systemd/resolve/stub-resolv.conf", "/data/home/carol", "/data/home/carol/src", "/work",
                     "/work/run"});
    existing.insert(extra.begin(), extra.end());
    host.canonical = hpc::test::invented_paths(
        {{"/home/carol", "/data/home/carol"}, {"/etc/resolv.conf", "/run/systemd/resolve/stub-resolv.conf"}}, existing);
    return host;
}

ImageSummary image_with(std::set<std::string> paths = {"/bin/sh", "/usr"}) {
    return hpc::test::invented_image("/work/tools.sif", "carol", std::move(paths));
}

ImageSummary directory_image() {
    ImageSummary image = image_with();
    image.is_directory = true;
    image.path = "/work/rootfs";
    image.format = "dir";
    image.device = 2049;
    image.inode = 131;
    return image;
}

Strings targets(const std::vector<MountStep>& steps) {
    Strings list;
    for (const MountStep& step : steps) list.push_back(step.target);
    return list;
}

const MountStep& step_at(const std::vector<MountStep>& steps, const std::string& target) {
    auto found = std::find_if(steps.begin(), steps.end(), [&](const MountStep& step) { return step.target == target; });
    REQUIRE(found != steps.end());
    return *found;
}

SubordinateIds carol_ranges() {
    SubordinateIds ids;
    ids.uids = {{300000, 65536}};
    ids.gids = {{400000, 65536}};
    return ids;
}

std::optional<std::string> value_of(const EnvVars& variables, const std::string& name) {
    for (const auto& [key, value] : variables)
        if (key == name) return value;
    return std::nullopt;
}

}  // namespace

TEST_CASE("launch steps: --containall and --fakeroot stand for the options they imply") {
    LaunchRequest plain = expand_shorthands({});
    CHECK_FALSE((plain.contain || plain.clean_env || plain.pid || plain.ipc || plain.as_root));
    LaunchRequest containall;
    containall.containall = true;
    LaunchRequest contained = expand_shorthands(containall);
    CHECK((contained.contain && contained.clean_env && contained.pid && contained.ipc));
    CHECK_FALSE(contained.as_root);
    LaunchRequest fakeroot;
    fakeroot.fakeroot = true;
    LaunchRequest root = expand_shorthands(fakeroot);
    CHECK(root.as_root);
    CHECK_FALSE(root.contain);
}

TEST_CASE("launch steps: --compat is Apptainer's list, --writable keeping its place") {
    LaunchRequest compat;
    compat.compat = true;
    LaunchRequest expanded = expand_shorthands(compat);
    CHECK((expanded.contain && expanded.clean_env && expanded.pid && expanded.ipc));
    CHECK((expanded.no_init && expanded.no_umask && expanded.no_eval && expanded.writable_tmpfs));
    CHECK_FALSE(expanded.as_root);
    compat.writable = true;
    CHECK_FALSE(expand_shorthands(compat).writable_tmpfs);
    CHECK_FALSE(expand_shorthands({}).no_umask);
}

TEST_CASE("launch steps: the request is refused before planning, options before the image's policy") {
    CHECK_NOTHROW(check_request({}, image_with(), {}));
    LaunchRequest both;
    both.writable = both.writable_tmpfs = true;
    CHECK(error_message([&] { check_request(both, directory_image(), {}); }) ==
          "--writable and --writable-tmpfs cannot be used together");
    LaunchRequest writable;
    writable.writable = true;
    CHECK_NOTHROW(check_request(writable, directory_image(), {}));
    CHECK(error_message([&] { check_request(writable, image_with(), {}); }, hpc::ExitCode::data) ==
          "/work/tools.sif: --writable needs a directory (sandbox) image or a SIF with an overlay partition (hpc "
          "overlay create); use --writable-tmpfs or --overlay for this one");
    LaunchRequest relative;
    relative.pwd = "src";
    CHECK(error_message([&] { check_request(relative, image_with(), {}); }) == "--pwd src: not an absolute path");
    LaunchRequest unknown;
    unknown.no_mount = {"proc", "/etc/motd"};
    CHECK(error_message([&] { check_request(unknown, image_with(), {}); }) ==
          "--no-mount /etc/motd: not a mount hpc makes");
    LaunchRequest no_init;
    no_init.no_init = true;
    CHECK(error_message([&] { check_request(no_init, image_with(), {}); }) ==
          "--no-init only means something with --pid");
    no_init.pid = true;
    CHECK_NOTHROW(check_request(no_init, image_with(), {}));
    LaunchRequest privileges;
    privileges.keep_privs = privileges.no_privs = true;
    CHECK(error_message([&] { check_request(privileges, image_with(), {}); }) ==
          "--keep-privs and --no-privs cannot be used together");
    LaunchRequest relative_scratch;  // -S's own checks: scratch_mounts_test.cpp
    relative_scratch.scratch = {"data"};
    CHECK(error_message([&] { check_request(relative_scratch, image_with(), {}); }) ==
          "-S data: not an absolute path (a directory in the container)");

    hpc::site::SiteConfig elsewhere;
    elsewhere.images.allow_paths = {"/opt/containers"};
    CHECK(error_message([&] { check_request({}, image_with(), elsewhere); }, hpc::ExitCode::denied) ==
          "denied by site policy: images.allow_paths: /work/tools.sif");
    CHECK(hpc::test::thrown_error([&] { check_request(both, image_with(), elsewhere); }).code() ==
          hpc::ExitCode::usage);
}

TEST_CASE("launch steps: the id maps: the user as themselves, as root, or with --fakeroot's ranges") {
    HostFacts host = carol_host();
    int asked = 0;
    host.subordinate_ids = [&asked] { return ++asked, carol_ranges(); };

    IdMaps own = plan_id_maps({}, host, {});
    CHECK(own.uid_map == std::vector<IdMap>{{1003, 1003, 1}});
    CHECK(own.gid_map == std::vector<IdMap>{{1003, 1003, 1}});
    CHECK((own.uid == 1003 && own.gid == 1003));
    CHECK_FALSE(own.ownership_ignored);
    CHECK(own.warnings.empty());

    LaunchRequest as_root;
    as_root.as_root = true;
    IdMaps root = plan_id_maps(as_root, host, {});
    CHECK(root.uid_map == std::vector<IdMap>{{0, 1003, 1}});
    CHECK(root.gid_map == std::vector<IdMap>{{0, 1003, 1}});
    CHECK((root.uid == 0 && root.gid == 0));
    CHECK(asked == 0);  // the ranges are read for --fakeroot alone

    LaunchRequest fakeroot;
    fakeroot.fakeroot = fakeroot.as_root = true;  // as expand_shorthands makes it
    IdMaps ranges = plan_id_maps(fakeroot, host, {});
    CHECK(asked == 1);
    CHECK(ranges.uid_map == std::vector<IdMap>{{0, 1003, 1}, {1, 300000, 65536}});
    CHECK(ranges.gid_map == std::vector<IdMap>{{0, 1003, 1}, {1, 400000, 65536}});
    CHECK((ranges.uid == 0 && ranges.gid == 0));
    CHECK_FALSE(ranges.ownership_ignored);

    SECTION("--keep-privs: root's capabilities kept, which only root in the container has") {
        LaunchRequest keep;
        keep.keep_privs = true;
        CHECK(error_message([&] { plan_id_maps(keep, host, {}); }) ==
              "--keep-privs: only root in the container has capabilities to keep, and the container's user is uid "
              "1003: add --fakeroot");
        fakeroot.keep_privs = true;
        CHECK(plan_id_maps(fakeroot, host, {}).uid_map == ranges.uid_map);
        HostFacts root_host = host;  // root on the host is root in the container
        root_host.user = hpc::test::invented_user(0, "root", "/bin/sh");
        CHECK(plan_id_maps(keep, root_host, {}).uid == 0);
    }
    SECTION("a site without --fakeroot refuses it before the ranges are read") {
        hpc::site::SiteConfig site;
        site.fakeroot.allow = false;
        asked = 0;
        CHECK(error_message([&] { plan_id_maps(fakeroot, host, site); }, hpc::ExitCode::denied) ==
              "denied by site policy: fakeroot.allow: --fakeroot");
        CHECK(asked == 0);
    }
    SECTION("without ranges: one id, ownership ignored, a warning, if the site allows it") {
        host.subordinate_ids = [] { return SubordinateIds{}; };
        IdMaps one = plan_id_maps(fakeroot, host, {});
        CHECK(one.uid_map == std::vector<IdMap>{{0, 1003, 1}});
        CHECK(one.ownership_ignored);
        REQUIRE(one.warnings.size() == 1);
        CHECK(one.warnings[0].starts_with("--fakeroot with one id (no subordinate uid range for carol"));
        hpc::site::SiteConfig site;
        site.fakeroot.allow_without_subuid = false;
        CHECK(hpc::test::thrown_error([&] { plan_id_maps(fakeroot, host, site); }).code() == hpc::ExitCode::denied);
    }
}

// plan_root, with the image files its layers need kept here.
RootChoice root_of(const LaunchRequest& request, const HostFacts& host, const ImageSummary& image,
                   const hpc::site::SiteConfig& site) {
    std::vector<ImageMount> images;
    return plan_root(request, host, image, site, images);
}

// plan_user_binds, with the image files image binds need kept here.
std::vector<MountStep> user_binds_of(const LaunchRequest& request, const HostFacts& host,
                                     const hpc::site::SiteConfig& site) {
    std::vector<ImageMount> images;
    return plan_user_binds(request, host, site, images);
}

TEST_CASE("launch steps: the root is the image's squashfs or its checked directory") {
    HostFacts host = carol_host();
    RootPlan squashfs = root_of({}, host, image_with(), {}).root;
    CHECK(squashfs == RootPlan{});  // served by hpc, read-only, no overlay, no directory
    RootPlan directory = root_of({}, host, directory_image(), {}).root;
    CHECK(directory.source == RootPlan::Source::directory);
    CHECK(directory.directory == "/work/rootfs");
    CHECK((directory.directory_device == 2049 && directory.directory_inode == 131));
    CHECK_FALSE((directory.writable || directory.overlay));
    LaunchRequest writable;
    writable.writable = true;
    CHECK(root_of(writable, host, directory_image(), {}).root.writable);
    LaunchRequest writable_tmpfs;
    writable_tmpfs.writable_tmpfs = true;
    RootPlan overlay = root_of(writable_tmpfs, host, image_with(), {}).root;
    CHECK(overlay.overlay);
    CHECK_FALSE(overlay.writable);
    CHECK(overlay.takes_writes());
    CHECK_FALSE(squashfs.takes_writes());
}

// Carol's host with overlay directories under her home (a link into /data) and a file.
HostFacts overlay_host() {
    HostFacts host = carol_host("/home/carol", {"/data/home/carol/env", "/data/home/carol/base", "/work/data.sqfs"});
    host.is_directory = [](const std::string& path) { return path != "/work/data.sqfs"; };
    return host;
}

TEST_CASE("launch steps: --overlay directories, bottom first, one writable, judged as binds are") {
    LaunchRequest request;
    request.overlays = {{"base", true}, {"/home/carol/env", false}};
    RootChoice choice = root_of(request, overlay_host(), image_with(), {});
    CHECK(choice.root.layers == std::vector<OverlayLayer>{{"/data/home/carol/base", std::nullopt, false},
                                                          {"/data/home/carol/env", std::nullopt, true}});
    CHECK(choice.root.layered());
    CHECK(choice.root.takes_writes());
    CHECK_FALSE(choice.root.overlay);
    CHECK(choice.warnings.empty());
    LaunchPlan plan;
    plan.root = choice.root;
    CHECK(describe(plan).find(
              "root: squashfs served by hpc, overlay /data/home/carol/base (read-only), overlay /data/home/carol/env "
              "(writable: upper/, work/)\n") != std::string::npos);

    // Read-only layers alone: the root takes no writes; with --writable-tmpfs, the tmpfs does.
    request.overlays = {{"base", true}};
    CHECK_FALSE(root_of(request, overlay_host(), image_with(), {}).root.takes_writes());
    request.writable_tmpfs = true;
    CHECK(root_of(request, overlay_host(), image_with(), {}).root.overlay);
    // A writable layer takes the writes in the tmpfs's place.
    request.overlays = {{"env", false}};
    RootChoice both = root_of(request, overlay_host(), image_with(), {});
    CHECK_FALSE(both.root.overlay);
    CHECK(both.warnings == std::vector<std::string>{
                               "--writable-tmpfs is not used: the writable overlay takes the container's writes"});

    auto error = [](LaunchRequest bad, const ImageSummary& image, hpc::ExitCode code,
                    const hpc::site::SiteConfig& site = {}) {
        return hpc::test::error_message([&] { root_of(bad, overlay_host(), image, site); }, code);
    };
    LaunchRequest two;
    two.overlays = {{"env", false}, {"base", false}};
    CHECK(error(two, image_with(), hpc::ExitCode::usage) ==
          "--overlay: only one overlay can be writable, and env and base both are (add :ro to one)");
    LaunchRequest missing;
    missing.overlays = {{"gone", false}};
    CHECK(error(missing, image_with(), hpc::ExitCode::no_input) == "--overlay gone: no such file or directory");
    LaunchRequest with_writable;
    with_writable.writable = true;
    with_writable.overlays = {{"env", false}};
    CHECK(error(with_writable, directory_image(), hpc::ExitCode::usage) ==
          "--overlay env: --writable and a writable overlay cannot be used together");
    hpc::site::SiteConfig site;
    site.binds.deny = {"/data/home/carol/base"};
    LaunchRequest denied;
    denied.overlays = {{"base", true}};
    CHECK(error(denied, image_with(), hpc::ExitCode::denied, site) ==
          "denied by site policy: binds.deny: /data/home/carol/base");
}

TEST_CASE("launch steps: the node's mount is shared unless the launch must keep its own") {
    CHECK(shares_mount({}, image_with(), {}, NetworkMode::host, {}));
    CHECK(shares_mount({}, image_with(), {}, NetworkMode::none, {}));
    CHECK_FALSE(shares_mount({}, directory_image(), {}, NetworkMode::host, {}));
    CHECK_FALSE(shares_mount({}, image_with(), {}, NetworkMode::slirp, {}));
    LaunchRequest no_share;
    no_share.no_share = true;
    CHECK_FALSE(shares_mount(no_share, image_with(), {}, NetworkMode::host, {}));
    LaunchRequest shell;
    shell.action = Action::shell;
    CHECK_FALSE(shares_mount(shell, image_with(), {}, NetworkMode::host, {}));
    LaunchRequest run;
    run.action = Action::run;
    CHECK(shares_mount(run, image_with(), {}, NetworkMode::host, {}));
    hpc::site::SiteConfig site;
    site.mount.share_per_node = false;
    CHECK_FALSE(shares_mount({}, image_with(), site, NetworkMode::host, {}));

    HostFacts host = carol_host();
    CHECK(share_scope(host).empty());
    host.environ.push_back("SLURM_STEP_ID=0");  // a step without its job says nothing
    CHECK(share_scope(host).empty());
    host.environ.push_back("SLURM_JOB_ID=77");
    CHECK(share_scope(host) == "slurm job 77 step 0");
}

TEST_CASE("launch steps: the default mounts on this host: sources resolved, optional ones left out") {
    std::vector<MountStep> mounts = plan_default_mounts({}, carol_host(), NetworkPlan{});
    // No /dev/tty, /dev/shm, /var/tmp, hosts or localtime on this host: all optional.
    CHECK(targets(mounts) == Strings{"/proc", "/sys", "/dev", "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                     "/dev/urandom", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr",
                                     "/dev/pts", "/dev/ptmx", "/tmp", "/etc/resolv.conf"});
    CHECK(step_at(mounts, "/etc/resolv.conf").source == "/run/systemd/resolve/stub-resolv.conf");
    CHECK(step_at(mounts, "/etc/resolv.conf").kind == MountKind::bind);
    CHECK(step_at(mounts, "/dev/fd").source == "/proc/self/fd");  // a link: not resolved on the host

    SECTION("behind slirp, resolv.conf is a file naming slirp4netns's DNS; --dns names its own") {
        NetworkPlan slirp_network;
        slirp_network.mode = NetworkMode::slirp;
        std::vector<MountStep> slirp = plan_default_mounts({}, carol_host(), slirp_network);
        const MountStep& resolv = step_at(slirp, "/etc/resolv.conf");
        CHECK(resolv.kind == MountKind::file);
        CHECK(resolv.content == "nameserver 10.0.2.3\n");
        CHECK(resolv.source.empty());
        CHECK(targets(slirp) == targets(mounts));
        slirp_network.dns = {"192.0.2.53", "2001:db8::53"};
        CHECK(step_at(plan_default_mounts({}, carol_host(), slirp_network), "/etc/resolv.conf").content ==
              "nameserver 192.0.2.53\nnameserver 2001:db8::53\n");
        NetworkPlan host_dns;
        host_dns.dns = {"10.1.1.1"};
        const MountStep dns = step_at(plan_default_mounts({}, carol_host(), host_dns), "/etc/resolv.conf");
        CHECK(dns.kind == MountKind::file);
        CHECK(dns.content == "nameserver 10.1.1.1\n");
    }
    SECTION("--contain: fresh /tmp and /dev/shm, even where the host has none") {
        LaunchRequest contain;
        contain.contain = true;
        std::vector<MountStep> contained = plan_default_mounts(contain, carol_host(), NetworkPlan{});
        CHECK(step_at(contained, "/tmp").kind == MountKind::tmpfs);
        CHECK(step_at(contained, "/dev/shm").kind == MountKind::tmpfs);
        CHECK(step_at(contained, "/var/tmp").kind == MountKind::tmpfs);
    }
    SECTION("a required source the host lacks is an error naming it") {
        HostFacts host = carol_host();
        host.canonical = [resolve = host.canonical](const std::string& path) -> std::optional<std::string> {
            return path == "/sys" ? std::nullopt : resolve(path);
        };
        CHECK(error_message([&] { plan_default_mounts({}, host, NetworkPlan{}); }, hpc::ExitCode::unavailable) ==
              "/sys: missing on this host, needed for /sys");
        LaunchRequest no_sys;
        no_sys.no_mount = {"sys"};
        CHECK_NOTHROW(plan_default_mounts(no_sys, host, NetworkPlan{}));
    }
}

TEST_CASE("launch steps: the user's terminal is /dev/console, only with a terminal and hpc's /dev") {
    HostFacts host = carol_host("/home/carol", {"/dev/pts/3"});
    CHECK_FALSE(plan_console({}, host));
    host.terminal = "/dev/pts/3";
    std::optional<MountStep> console = plan_console({}, host);
    REQUIRE(console);
    MountStep expected = bind_step("/dev/pts/3", "/dev/console", false, "dev");
    expected.is_directory = false;  // a device file: made as a file where the image lacks it
    CHECK(*console == expected);
    LaunchRequest no_dev;
    no_dev.no_mount = {"dev"};
    CHECK_FALSE(plan_console(no_dev, host));
    host.terminal = "/dev/pts/9";  // gone by now
    CHECK_FALSE(plan_console({}, host));
}

TEST_CASE("launch steps: the site's default binds, where the host has their source") {
    hpc::site::SiteConfig site;
    site.binds.default_binds = {{"/work", "/shared/work", true}, {"/project", "/project", false}};
    std::vector<MountStep> binds = plan_site_binds(site, carol_host());
    CHECK(binds == std::vector<MountStep>{bind_step("/work", "/shared/work", true, "site bind /work")});
    CHECK(plan_site_binds({}, carol_host()).empty());
}

TEST_CASE("launch steps: the home: the user's own, --home's, a fresh one, or none") {
    SECTION("the user's own, bound from where it really is") {
        HomePlan home = plan_home({}, carol_host(), {});
        CHECK(home.source == "/data/home/carol");
        CHECK(home.destination == "/home/carol");
        CHECK_FALSE(home.fresh);
        CHECK(home_mount(home) == bind_step("/data/home/carol", "/home/carol", false, "home"));
        // The user's own home is hpc's default, not a bind the site judges.
        hpc::site::SiteConfig site;
        site.binds.deny = {"/data"};
        CHECK(plan_home({}, carol_host(), site).source == "/data/home/carol");
    }
    SECTION("as root: /root, the image's, with nothing bound") {
        LaunchRequest request;
        request.as_root = true;
        request.home = "/work";  // ignored
        HomePlan home = plan_home(request, carol_host(), {});
        CHECK(home.destination == "/root");
        CHECK(home.source.empty());
        CHECK_FALSE(home_mount(home));
    }
    SECTION("--home src:dst, and a relative source from the working directory") {
        LaunchRequest request;
        request.home = "run:/home/job//";
        HomePlan home = plan_home(request, carol_host("/work"), {});
        CHECK(home.source == "/work/run");
        CHECK(home.destination == "/home/job");
        request.home = "/work";  // no destination: the source's path
        CHECK(plan_home(request, carol_host(), {}).destination == "/work");
    }
    SECTION("--home's faults: a relative destination, a missing source, a denied one") {
        LaunchRequest request;
        request.home = "/work:job";
        CHECK(error_message([&] { plan_home(request, carol_host(), {}); }) ==
              "--home /work:job: the container path must be absolute");
        request.home = "/nowhere:/home/x";
        CHECK(error_message([&] { plan_home(request, carol_host(), {}); }, hpc::ExitCode::no_input) ==
              "--home /nowhere: no such directory");
        request.home = "/work:/home/x";
        hpc::site::SiteConfig site;
        site.binds.deny = {"/work"};
        CHECK(error_message([&] { plan_home(request, carol_host(), site); }, hpc::ExitCode::denied) ==
              "denied by site policy: binds.deny: /work");
    }
    SECTION("--contain: a fresh, private one at the same place; with --home, --home's") {
        LaunchRequest request;
        request.contain = true;
        HomePlan home = plan_home(request, carol_host(), {});
        CHECK(home.fresh);
        CHECK(home.source.empty());
        std::optional<MountStep> tmpfs = home_mount(home);
        REQUIRE(tmpfs);
        CHECK(tmpfs->kind == MountKind::tmpfs);
        CHECK(tmpfs->target == "/home/carol");
        CHECK(tmpfs->options == "mode=0700");
        request.home = "/work";
        CHECK(plan_home(request, carol_host(), {}).source == "/work");
    }
    SECTION("--no-home, --no-mount home, or no home on the host: $HOME is set, nothing is bound") {
        LaunchRequest no_home;
        no_home.no_home = true;
        LaunchRequest no_mount;
        no_mount.no_mount = {"home"};
        HostFacts homeless = carol_host();
        homeless.user.home = "/home/gone";
        for (auto [request, host] : {std::pair{no_home, carol_host()}, std::pair{no_mount, carol_host()},
                                     std::pair{LaunchRequest{}, homeless}}) {
            HomePlan home = plan_home(request, host, {});
            CHECK(home.destination == host.user.home);
            CHECK_FALSE(home_mount(home));
        }
    }
}

TEST_CASE("launch steps: user binds resolved on the host, in order, each judged by the site") {
    LaunchRequest request;
    request.binds = {{"run", "/mnt//out/", true}, {"/home/carol/src", "/src", false}};
    std::vector<MountStep> binds = user_binds_of(request, carol_host("/work"), {});
    CHECK(binds == std::vector<MountStep>{bind_step("/work/run", "/mnt/out", true, "bind run to /mnt/out"),
                                          bind_step("/data/home/carol/src", "/src", false,
                                                    "bind /home/carol/src to /src")});
    request.binds = {{"/nowhere", "/mnt", false}};
    CHECK(error_message([&] { user_binds_of(request, carol_host(), {}); }, hpc::ExitCode::no_input) ==
          "bind /nowhere to /mnt: source not found");
    request.binds = {{"/work", "/.", false}};
    CHECK(error_message([&] { user_binds_of(request, carol_host(), {}); }) ==
          "bind /work to /: cannot bind over the container's root");
    hpc::site::SiteConfig site;
    site.binds.allow = {"/work"};
    request.binds = {{"/home/carol/src", "/src", false}};
    CHECK(error_message([&] { user_binds_of(request, carol_host(), site); }, hpc::ExitCode::denied) ==
          "denied by site policy: binds.allow: /data/home/carol/src");
}

TEST_CASE("launch steps: the working directory is bound at its path when nothing else shows it") {
    std::vector<MountStep> home_bound = {bind_step("/data/home/carol", "/home/carol", false, "home")};
    CwdBind bound = plan_cwd_bind({}, carol_host("/work/run"), image_with(), {}, home_bound, "/home/carol");
    CHECK(bound.step == bind_step("/work/run", "/work/run", false, "cwd"));
    CHECK_FALSE(bound.refusal_warning);

    SECTION("none where the container shows it already, or must not") {
        CHECK_FALSE(plan_cwd_bind({}, carol_host("/home/carol/src"), image_with(), {}, home_bound, "/home/carol").step);
        // /usr is the image's own: the host's would cover it.
        CHECK_FALSE(plan_cwd_bind({}, carol_host("/usr", {"/usr"}), image_with(), {}, {}, "/home/carol").step);
        CHECK_FALSE(plan_cwd_bind({}, carol_host("/"), image_with(), {}, {}, "/home/carol").step);
        CHECK_FALSE(plan_cwd_bind({}, carol_host("/work/gone"), image_with(), {}, {}, "/home/carol").step);
        LaunchRequest contain;
        contain.contain = true;
        CHECK_FALSE(plan_cwd_bind(contain, carol_host("/work/run"), image_with(), {}, {}, "/home/carol").step);
        LaunchRequest no_cwd;
        no_cwd.no_mount = {"cwd"};
        CHECK_FALSE(plan_cwd_bind(no_cwd, carol_host("/work/run"), image_with(), {}, {}, "/home/carol").step);
    }
    SECTION("a later mount that covers it there: bound by itself, after it") {
        std::vector<MountStep> covered = home_bound;
        covered.push_back(bind_step("/work", "/home/carol", false, "bind /work to /home/carol"));
        CwdBind cwd = plan_cwd_bind({}, carol_host("/home/carol/src"), image_with(), {}, covered, "/home/carol");
        CHECK(cwd.step == bind_step("/data/home/carol/src", "/home/carol/src", false, "cwd"));
    }
    SECTION("the site refuses it: not bound, and the user learns where the container starts") {
        hpc::site::SiteConfig site;
        site.binds.deny = {"/work"};
        CwdBind refused = plan_cwd_bind({}, carol_host("/work/run"), image_with(), site, home_bound, "/home/carol");
        CHECK_FALSE(refused.step);
        CHECK(refused.refusal_warning == "the working directory /work/run is not bound (denied by site policy: "
                                         "binds.deny: /work/run): starting in /home/carol");
        CwdBind homeless = plan_cwd_bind({}, carol_host("/work/run"), image_with(), site, {}, "");
        REQUIRE(homeless.refusal_warning);
        CHECK(homeless.refusal_warning->ends_with("): starting in /"));
    }
}

TEST_CASE("launch steps: the identity files add the user, unless root is the user inside") {
    std::vector<MountStep> files = plan_identity_files({}, carol_host(), image_with(), "/home/job");
    REQUIRE(targets(files) == Strings{"/etc/passwd", "/etc/group"});
    for (const MountStep& file : files) {
        CHECK(file.kind == MountKind::file);
        CHECK_FALSE(file.is_directory);
        CHECK(file.purpose == "identity");
    }
    // The home is the container's; zsh is not in the image, so the user gets /bin/sh.
    CHECK(files[0].content == "root:x:0:0:root:/root:/bin/sh\ncarol:x:1003:1003::/home/job:/bin/sh\n");
    CHECK(files[1].content == "root:x:0:\ncarol:x:1003:carol\nsudo:x:27:carol\n");
    std::vector<MountStep> with_zsh =
        plan_identity_files({}, carol_host(), image_with({"/bin/sh", "/bin/zsh"}), "/home/carol");
    CHECK(with_zsh[0].content.ends_with(":/home/carol:/bin/zsh\n"));

    LaunchRequest as_root;
    as_root.as_root = true;
    CHECK(plan_identity_files(as_root, carol_host(), image_with(), "/root").empty());
}

TEST_CASE("launch steps: the container's environment from the steps before it") {
    IdMaps ids;
    ids.uid = 1003;
    ids.gid = 27;
    ContainerEnvironment environment =
        plan_container_environment({}, carol_host("/work/run"), image_with(), ids, "/home/job", {"/.hpc/mpi"});
    CHECK(value_of(environment.base, "HOME") == "/home/job");
    CHECK(value_of(environment.base, "PWD") == "/work/run");
    CHECK(value_of(environment.base, "APPTAINER_CONTAINER") == "/work/tools.sif");
    CHECK(value_of(environment.base, "APPTAINER_NAME") == "tools.sif");
    CHECK(value_of(environment.base, "SINGULARITY_ENVIRONMENT") == "/.singularity.d/env/91-environment.sh");
    CHECK(environment.uid == 1003u);
    CHECK(environment.gid == 27u);
    CHECK(environment.library_path_first == Strings{"/.hpc/mpi"});
    CHECK(value_of(environment.host, "EDITOR") == "vi");
    CHECK(environment.evaluate);

    LaunchRequest request;
    request.pwd = "/work/./run/..";
    request.clean_env = true;
    request.no_eval = true;
    request.env_options = {"MODE=fast"};
    ContainerEnvironment clean = plan_container_environment(request, carol_host(), image_with(), ids, "/home/job", {});
    CHECK(value_of(clean.base, "PWD") == "/work");
    CHECK_FALSE(value_of(clean.host, "EDITOR"));
    CHECK(value_of(clean.injected, "MODE") == "fast");
    CHECK_FALSE(clean.evaluate);
}

TEST_CASE("launch steps: the working directories to try, in order") {
    CHECK(plan_working_directories({}, carol_host("/work/run"), false, "/home/carol").candidates ==
          Strings{"/work/run", "/home/carol", "/"});
    CHECK_FALSE(plan_working_directories({}, carol_host("/work/run"), false, "/home/carol").required);
    CHECK(plan_working_directories({}, carol_host("/work/run"), true, "/home/carol").candidates ==
          Strings{"/home/carol", "/"});
    // Each once, in the order first named.
    CHECK(plan_working_directories({}, carol_host("/home/carol"), false, "/home/carol").candidates ==
          Strings{"/home/carol", "/"});
    CHECK(plan_working_directories({}, carol_host("/"), false, "/home/carol").candidates ==
          Strings{"/", "/home/carol"});
    CHECK(plan_working_directories({}, carol_host(""), false, "").candidates == Strings{"/"});

    LaunchRequest pwd;
    pwd.pwd = "/work//run/../out";
    WorkingDirectories chosen = plan_working_directories(pwd, carol_host("/work/run"), true, "/home/carol");
    CHECK(chosen.candidates == Strings{"/work/out"});
    CHECK(chosen.required);
}
