// What the planner makes of an MPI launch, from invented hosts and images: the launcher's
// session directories where the container would not show them, and --mpi host.
#include "common/error.hpp"
#include "sandbox/plan/planner.hpp"

#include "invented_host.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace hpc::sandbox;
using Strings = std::vector<std::string>;

namespace {

const std::string libdir = "/usr/lib/x86_64-linux-gnu";

// Bob's compute node, during a job step; `extra` are the host paths that exist besides the usual.
HostFacts node(Strings environ, std::set<std::string> extra = {}) {
    HostFacts host;
    host.user = hpc::test::invented_user(1002, "bob", "/bin/sh");
    host.cwd = "/home/bob";
    host.environ = std::move(environ);
    std::set<std::string> existing = hpc::test::usual_host_paths();
    existing.insert({"/dev/shm", "/tmp", "/var/tmp", "/home/bob"});
    existing.insert(extra.begin(), extra.end());
    host.canonical = hpc::test::invented_paths({}, existing);
    return host;
}

ImageSummary busybox() {
    ImageSummary image;
    image.path = "/home/bob/app.sif";
    image.format = "sif";
    image.owner = "bob";
    image.facts.has_bin_sh = true;
    image.exists = [](const std::string& path) { return path == "/bin/sh"; };
    image.libraries.find_mpi = [](const std::string&) { return std::nullopt; };
    image.libraries.version_definitions = [](const std::string&) { return std::nullopt; };
    return image;
}

// An image with Debian's Open MPI and glibc 2.36.
ImageSummary debian_mpi_image() {
    ImageSummary image = busybox();
    image.libraries.find_mpi = [](const std::string&) {
        return hpc::mpi::MpiLibrary{libdir + "/libmpi.so.40.30.4", "libmpi.so.40", hpc::mpi::MpiFamily::open_mpi};
    };
    image.libraries.version_definitions = [](const std::string& name) -> std::optional<Strings> {
        if (name == "libc.so.6") return Strings{"GLIBC_2.2.5", "GLIBC_2.34"};
        return std::nullopt;
    };
    return image;
}

hpc::mpi::HostMpi host_open_mpi() {
    hpc::mpi::HostMpi host;
    host.libmpi = {libdir + "/libmpi.so.40.30.4", "libmpi.so.40", hpc::mpi::MpiFamily::open_mpi};
    host.libraries = {{"libmpi.so.40", libdir + "/libmpi.so.40.30.4", {{"libc.so.6", "GLIBC_2.34"}}, false},
                      {"libpmix.so.2", "/opt/pmix/lib/libpmix.so.2.6.2", {}, true}};
    host.directories = {{libdir + "/openmpi/lib", "named by libmpi.so.40", false}};
    return host;
}

LaunchRequest exec(std::string mpi = "") {
    LaunchRequest request;
    request.action = Action::exec;
    request.args = {"./solver"};
    request.mpi = std::move(mpi);
    return request;
}

std::vector<const MountStep*> mpi_steps(const LaunchPlan& plan) {
    std::vector<const MountStep*> steps;
    for (const MountStep& step : plan.mounts)
        if (step.purpose.starts_with("mpi")) steps.push_back(&step);
    return steps;
}

std::string env_value(const LaunchPlan& plan, const std::string& name) {
    for (const std::string& entry : plan.command.envp)
        if (entry.starts_with(name + "=")) return entry.substr(name.size() + 1);
    return "(unset)";
}

const Strings srun_environ = {
    "PMIX_SERVER_TMPDIR=/var/spool/slurmd/pmix.1.0/",
    "PMIX_DSTORE_21_BASE_PATH=/var/spool/slurmd/pmix.1.0//pmix_dstor_ds21_28991",
    "PMIX_DSTORE_ESH_BASE_PATH=/var/spool/slurmd/pmix.1.0//pmix_dstor_ds12_28991",
    "PMIX_SYSTEM_TMPDIR=/tmp",
    "PMIX_SERVER_URI41=pmix-server.28991;tcp4://127.0.0.1:41235",
};
const std::set<std::string> srun_paths = {"/var/spool/slurmd/pmix.1.0",
                                          "/var/spool/slurmd/pmix.1.0/pmix_dstor_ds21_28991",
                                          "/var/spool/slurmd/pmix.1.0/pmix_dstor_ds12_28991"};

const Strings mpirun_environ = {"OMPI_MCA_orte_top_session_dir=/tmp/ompi.node.1002",
                                "PMIX_SERVER_TMPDIR=/tmp/ompi.node.1002/pid.77",
                                "PMIX_DSTORE_21_BASE_PATH=/tmp/ompi.node.1002/pid.77/pmix_dstor_ds21_77"};
const std::set<std::string> mpirun_paths = {"/tmp/ompi.node.1002", "/tmp/ompi.node.1002/pid.77",
                                            "/tmp/ompi.node.1002/pid.77/pmix_dstor_ds21_77"};

}  // namespace

TEST_CASE("mpi planner: srun --mpi=pmix's session directory is bound once, read-write, at its own path") {
    LaunchPlan plan = plan_launch(exec(), node(srun_environ, srun_paths), busybox());
    std::vector<const MountStep*> steps = mpi_steps(plan);
    REQUIRE(steps.size() == 1);
    CHECK(steps[0]->kind == MountKind::bind);
    CHECK(steps[0]->source == "/var/spool/slurmd/pmix.1.0");
    CHECK(steps[0]->target == "/var/spool/slurmd/pmix.1.0");
    CHECK_FALSE(steps[0]->read_only);
    CHECK(steps[0]->purpose == "mpi: PMIX_SERVER_TMPDIR");
    CHECK(describe(plan).find("bind /var/spool/slurmd/pmix.1.0 -> /var/spool/slurmd/pmix.1.0  # mpi: "
                              "PMIX_SERVER_TMPDIR\n") != std::string::npos);
    // The variables themselves pass as any host variable does.
    CHECK(env_value(plan, "PMIX_SERVER_TMPDIR") == "/var/spool/slurmd/pmix.1.0/");
}

TEST_CASE("mpi planner: mpirun's session directory under /tmp needs a bind only when /tmp is not the host's") {
    HostFacts host = node(mpirun_environ, mpirun_paths);
    CHECK(mpi_steps(plan_launch(exec(), host, busybox())).empty());  // the host's /tmp shows it

    LaunchRequest contained = exec();
    contained.contain = true;
    LaunchPlan plan = plan_launch(contained, host, busybox());
    std::vector<const MountStep*> steps = mpi_steps(plan);
    REQUIRE(steps.size() == 1);  // the launch's directory; those below it come with it
    CHECK(steps[0]->target == "/tmp/ompi.node.1002");
    CHECK(steps[0]->purpose == "mpi: OMPI_MCA_orte_top_session_dir");
    // After the fresh /tmp it lands in.
    auto tmp = std::find_if(plan.mounts.begin(), plan.mounts.end(), [](const MountStep& step) { return step.target == "/tmp"; });
    REQUIRE(tmp != plan.mounts.end());
    CHECK(tmp->kind == MountKind::tmpfs);
    CHECK(&*tmp < steps[0]);

    LaunchRequest no_tmp = exec();
    no_tmp.no_mount = {"tmp"};
    CHECK(mpi_steps(plan_launch(no_tmp, host, busybox())).size() == 1);
    // A bind of the user's over /tmp hides the host's there too.
    LaunchRequest covered = exec();
    covered.binds = {{"/home/bob", "/tmp", false}};
    CHECK(mpi_steps(plan_launch(covered, host, busybox())).size() == 1);
}

TEST_CASE("mpi planner: a session directory missing on the host, or refused by the site, is not bound") {
    CHECK(mpi_steps(plan_launch(exec(), node(srun_environ), busybox())).empty());
    hpc::site::SiteConfig site;
    site.binds.deny = {"/var/spool"};
    LaunchPlan plan = plan_launch(exec(), node(srun_environ, srun_paths), busybox(), site);
    CHECK(mpi_steps(plan).empty());
    REQUIRE(plan.warnings.size() == 1);
    CHECK(plan.warnings[0] == "PMIX_SERVER_TMPDIR /var/spool/slurmd/pmix.1.0 is not bound: denied by site policy: "
                              "binds.deny: /var/spool/slurmd/pmix.1.0");
}

TEST_CASE("mpi planner: --mpi host binds the host's MPI and puts its libraries first in LD_LIBRARY_PATH") {
    HostFacts host = node({"LD_LIBRARY_PATH=/opt/pmix/lib::relative"});
    hpc::mpi::HostMpiQuery asked;
    host.mpi = [&asked](const hpc::mpi::HostMpiQuery& query) {
        asked = query;
        return host_open_mpi();
    };
    hpc::site::SiteConfig site;
    site.mpi.library = "/usr/lib/x86_64-linux-gnu/libmpi.so.40";
    LaunchPlan plan = plan_launch(exec("host"), host, debian_mpi_image(), site);
    CHECK(asked.library == "/usr/lib/x86_64-linux-gnu/libmpi.so.40");
    CHECK(asked.preferred_soname == "libmpi.so.40");
    CHECK(asked.ld_library_path == Strings{"/opt/pmix/lib"});

    std::vector<const MountStep*> steps = mpi_steps(plan);
    REQUIRE(steps.size() == 4);
    CHECK(*steps[0] == MountStep{MountKind::bind, libdir + "/openmpi/lib", libdir + "/openmpi/lib", true, false, true,
                                 "", "", "mpi host: named by libmpi.so.40"});
    CHECK(steps[1]->kind == MountKind::tmpfs);
    CHECK(steps[1]->target == "/.hpc.d/mpi/lib");
    CHECK(steps[2]->source == libdir + "/libmpi.so.40.30.4");
    CHECK(steps[2]->target == "/.hpc.d/mpi/lib/libmpi.so.40");
    CHECK(steps[2]->read_only);
    CHECK_FALSE(steps[2]->is_directory);
    CHECK(steps[3]->target == "/.hpc.d/mpi/lib/libpmix.so.2");
    // No environment script in the image: the final environment is computed directly.
    CHECK(env_value(plan, "LD_LIBRARY_PATH") == "/.hpc.d/mpi/lib");
    LaunchRequest with_user_path = exec("host");
    with_user_path.env_options = {"LD_LIBRARY_PATH=/mine"};
    CHECK(env_value(plan_launch(with_user_path, host, debian_mpi_image(), site), "LD_LIBRARY_PATH") ==
          "/.hpc.d/mpi/lib:/mine:/.singularity.d/libs");

    // With the image's scripts, the action script puts it first after they have run.
    ImageSummary scripted = debian_mpi_image();
    scripted.facts.env_scripts = {"/.singularity.d/env/99-base.sh"};
    LaunchPlan shell_plan = plan_launch(exec("host"), host, scripted, site);
    REQUIRE(shell_plan.command.via_shell);
    CHECK(shell_plan.command.argv[2].find("export LD_LIBRARY_PATH='/.hpc.d/mpi/lib'${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n") !=
          std::string::npos);
}

TEST_CASE("mpi planner: --mpi host refuses an image without an MPI, and a library the site denies") {
    HostFacts host = node({});
    bool looked = false;
    host.mpi = [&looked](const hpc::mpi::HostMpiQuery&) {
        looked = true;
        return host_open_mpi();
    };
    CHECK(hpc::test::error_message([&] { plan_launch(exec("host"), host, busybox()); }, hpc::ExitCode::data) ==
          "--mpi host: /home/bob/app.sif has no MPI library (no libmpi.so.N or libmpich.so.N in its /etc/ld.so.cache, "
          "/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib)");
    CHECK_FALSE(looked);  // the image is asked first: the host's MPI is not read for nothing

    // libpmix came from the user's LD_LIBRARY_PATH: a bind like -B's, under the same policy.
    hpc::site::SiteConfig site;
    site.binds.allow = {"/home", "/usr"};
    CHECK(hpc::test::error_message([&] { plan_launch(exec("host"), host, debian_mpi_image(), site); },
                                   hpc::ExitCode::denied) ==
          "denied by site policy: binds.allow: /opt/pmix/lib/libpmix.so.2.6.2");

    CHECK(hpc::test::error_message([&] { plan_launch(exec("hots"), host, busybox()); }) ==
          "--mpi hots: not an MPI hpc knows (image or host)");
}

TEST_CASE("mpi planner: the site's mpi.default = host leaves an image without an MPI as it is") {
    HostFacts host = node({});
    host.mpi = [](const hpc::mpi::HostMpiQuery&) { return host_open_mpi(); };
    hpc::site::SiteConfig site;
    site.mpi.default_mpi = "host";
    CHECK(mpi_steps(plan_launch(exec(), host, busybox(), site)).empty());
    CHECK(mpi_steps(plan_launch(exec(), host, debian_mpi_image(), site)).size() == 4);
    CHECK(mpi_steps(plan_launch(exec("image"), host, debian_mpi_image(), site)).empty());

    // An image it cannot serve is refused, with the way out.
    ImageSummary old_glibc = debian_mpi_image();
    old_glibc.libraries.version_definitions = [](const std::string&) { return Strings{"GLIBC_2.2.5"}; };
    CHECK(hpc::test::error_message([&] { plan_launch(exec(), host, old_glibc, site); }, hpc::ExitCode::data)
              .ends_with("needs GLIBC_2.34 of libc.so.6, which the image's glibc lacks (its newest is GLIBC_2.2.5) "
                         "(the site's mpi.default is \"host\"; --mpi image runs the image's own)"));
}
