// What the planner makes of --nv, --rocm and --device from invented hosts: the driver's files
// and device nodes as binds, the GPUs a contained launch shows, the variables it sets, and what
// a node without a driver, a site's policy or a CDI spec from the user's directory is worth.
#include "common/error.hpp"
#include "sandbox/plan/planner.hpp"
#include "sandbox/plan/visible_gpus.hpp"

#include "invented_host.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace hpc::sandbox;
using hpc::ExitCode;
using hpc::gpu::CdiEdits;
using hpc::gpu::Gpu;
using hpc::gpu::GpuQuery;
using hpc::gpu::HostGpu;
using Strings = std::vector<std::string>;

namespace {

// An H200 node's driver as gpu-node.md saw it, with two GPUs: libraries in /usr/local/nvidia
// found through ld.so.cache, one found through the user's LD_LIBRARY_PATH.
HostGpu nvidia_node() {
    HostGpu gpu;
    gpu.libraries = {{"libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.580.159.04", false},
                     {"libnvidia-ml.so.1", "/usr/local/nvidia/lib64/libnvidia-ml.so.580.159.04", false},
                     {"libnvidia-ptxjitcompiler.so.1", "/home/bob/driver/libnvidia-ptxjitcompiler.so.1", true}};
    gpu.programs = {{"nvidia-smi", "/usr/local/nvidia/bin/nvidia-smi", true}};
    gpu.control_nodes = {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-caps"};
    gpu.gpus = {{0, "GPU-8f6c0000-aaaa", {"/dev/nvidia0"}}, {1, "GPU-8f6d0000-bbbb", {"/dev/nvidia1"}},
                {2, "GPU-1234", {"/dev/nvidia2"}}};
    gpu.directories = {"/usr/lib/firmware/nvidia/580.159.04"};
    gpu.driver_version = "580.159.04";
    return gpu;
}

struct Node {
    HostGpu nvidia;
    HostGpu amd;
    std::vector<GpuQuery> queries;  // what the planner asked
    CdiEdits cdi;
    std::vector<std::pair<Strings, Strings>> cdi_asked;  // names, directories
};

Node nvidia_host() {
    Node node;
    node.nvidia = nvidia_node();
    return node;
}

HostFacts host(Node& node, Strings variables = {}) {
    HostFacts facts;
    facts.user = hpc::test::invented_user(1002, "bob", "/bin/sh");
    facts.cwd = "/home/bob";
    facts.environ = std::move(variables);
    std::set<std::string> existing = hpc::test::usual_host_paths();
    existing.insert({"/dev/shm", "/tmp", "/var/tmp", "/home/bob", "/tmp/mps", "/srv/cdi/data", "/dev/hpc0"});
    facts.canonical = hpc::test::invented_paths({}, existing);
    facts.gpu = [&node](const GpuQuery& query) {
        node.queries.push_back(query);
        return query.vendor == hpc::gpu::Vendor::nvidia ? node.nvidia : node.amd;
    };
    facts.cdi = [&node](const Strings& names, const Strings& directories) {
        node.cdi_asked.emplace_back(names, directories);
        return node.cdi;
    };
    return facts;
}

ImageSummary image() { return hpc::test::invented_image("/home/bob/app.sif", "bob", {"/bin/sh"}); }

LaunchRequest exec_nv() {
    LaunchRequest request;
    request.action = Action::exec;
    request.args = {"./train"};
    request.nv = true;
    return request;
}

std::vector<MountStep> steps_for(const LaunchPlan& plan, const std::string& prefix) {
    std::vector<MountStep> steps;
    for (const MountStep& step : plan.mounts)
        if (step.purpose.starts_with(prefix)) steps.push_back(step);
    return steps;
}

Strings targets(const std::vector<MountStep>& steps) {
    Strings names;
    for (const MountStep& step : steps) names.push_back(step.target);
    return names;
}

std::string env_value(const LaunchPlan& plan, const std::string& name) {
    for (const std::string& entry : plan.command.envp)
        if (entry.starts_with(name + "=")) return entry.substr(name.size() + 1);
    return "(unset)";
}

std::string device_error(const LaunchRequest& request, Node& node, Strings variables,
                         ExitCode code, const hpc::site::SiteConfig& site = {}) {
    return hpc::test::error_message([&] { plan_launch(request, host(node, std::move(variables)), image(), site); }, code);
}

}  // namespace

TEST_CASE("gpu planner: --nv binds the driver's libraries, programs, device nodes and firmware, in that order") {
    Node node = nvidia_host();
    LaunchPlan plan = plan_launch(exec_nv(), host(node, {"LD_LIBRARY_PATH=/home/bob/driver::rel", "PATH=/usr/local/nvidia/bin:/bin"}), image());
    REQUIRE(node.queries.size() == 1);
    CHECK(node.queries[0].ld_library_path == Strings{"/home/bob/driver"});
    CHECK(node.queries[0].path == Strings{"/usr/local/nvidia/bin", "/bin"});
    CHECK(node.queries[0].libraries == hpc::site::default_nvidia_libraries());
    CHECK(node.queries[0].programs == hpc::site::default_nvidia_programs());

    std::vector<MountStep> steps = steps_for(plan, "nv:");
    CHECK(targets(steps) == Strings{"/.singularity.d/libs", "/.singularity.d/libs/libcuda.so.1", "/.singularity.d/libs/libnvidia-ml.so.1",
                                    "/.singularity.d/libs/libnvidia-ptxjitcompiler.so.1", "/usr/bin/nvidia-smi",
                                    "/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-caps", "/dev/nvidia0",
                                    "/dev/nvidia1", "/dev/nvidia2", "/usr/lib/firmware/nvidia/580.159.04"});
    REQUIRE(steps.size() == 12);
    // A tmpfs of its own, as Apptainer's session directory is: one mount point per library in
    // the image's tree would cost a round trip to its server each.
    CHECK(steps[0].kind == MountKind::tmpfs);
    CHECK(steps[0].purpose == "nv: libraries");
    CHECK(steps[1].source == "/usr/local/nvidia/lib64/libcuda.so.580.159.04");
    CHECK(steps[1].read_only);
    CHECK(steps[1].purpose == "nv: library");
    CHECK(steps[4].read_only);
    CHECK(steps[4].purpose == "nv: program");
    CHECK_FALSE(steps[5].read_only);  // a device is opened read-write
    CHECK(steps[5].purpose == "nv: device");
    CHECK(steps[9].purpose == "nv: GPU 1");
    CHECK(steps[11].read_only);
    CHECK(steps[11].purpose == "nv: firmware");
    CHECK(plan.warnings.empty());
    // After the default /dev, which would cover them.
    auto dev = std::find_if(plan.mounts.begin(), plan.mounts.end(), [](const MountStep& step) { return step.target == "/dev"; });
    auto ctl = std::find_if(plan.mounts.begin(), plan.mounts.end(), [](const MountStep& step) { return step.target == "/dev/nvidiactl"; });
    CHECK(dev < ctl);
    CHECK(describe(plan).find("bind /usr/local/nvidia/lib64/libcuda.so.580.159.04 -> /.singularity.d/libs/libcuda.so.1 ro"
                              "  # nv: library\n") != std::string::npos);
    CHECK(plan.command.envp.size() > 0);
}

TEST_CASE("gpu planner: /.singularity.d/libs comes first in LD_LIBRARY_PATH, before --mpi host's directory") {
    Node node = nvidia_host();
    LaunchRequest request = exec_nv();
    request.env_options = {"LD_LIBRARY_PATH=/opt/app/lib"};
    LaunchPlan plan = plan_launch(request, host(node), image());
    // The user's value keeps Apptainer's /.singularity.d/libs at its end (environment.cpp).
    CHECK(env_value(plan, "LD_LIBRARY_PATH") == "/.singularity.d/libs:/opt/app/lib:/.singularity.d/libs");
}

TEST_CASE("gpu planner: without --contain every GPU is bound, whatever the variables say") {
    Node node = nvidia_host();
    LaunchPlan plan = plan_launch(exec_nv(), host(node, {"CUDA_VISIBLE_DEVICES=1"}), image());
    CHECK(targets(steps_for(plan, "nv: GPU")) == Strings{"/dev/nvidia0", "/dev/nvidia1", "/dev/nvidia2"});
    CHECK(env_value(plan, "CUDA_VISIBLE_DEVICES") == "1");
}

TEST_CASE("gpu planner: --contain shows the GPUs NVIDIA_VISIBLE_DEVICES or CUDA_VISIBLE_DEVICES name") {
    Node node = nvidia_host();
    LaunchRequest request = exec_nv();
    request.contain = true;
    auto gpus = [&](Strings variables) { return targets(steps_for(plan_launch(request, host(node, variables), image()), "nv: GPU")); };
    CHECK(gpus({}) == Strings{"/dev/nvidia0", "/dev/nvidia1", "/dev/nvidia2"});
    CHECK(gpus({"NVIDIA_VISIBLE_DEVICES=all", "CUDA_VISIBLE_DEVICES=0"}) == Strings{"/dev/nvidia0", "/dev/nvidia1", "/dev/nvidia2"});
    CHECK(gpus({"NVIDIA_VISIBLE_DEVICES=1"}) == Strings{"/dev/nvidia1"});
    CHECK(gpus({"NVIDIA_VISIBLE_DEVICES=2, 0"}) == Strings{"/dev/nvidia0", "/dev/nvidia2"});
    CHECK(gpus({"NVIDIA_VISIBLE_DEVICES=GPU-8f6d"}) == Strings{"/dev/nvidia1"});  // a unique prefix
    CHECK(gpus({"NVIDIA_VISIBLE_DEVICES=none"}).empty());
    CHECK(gpus({"NVIDIA_VISIBLE_DEVICES=void"}).empty());
    CHECK(gpus({"CUDA_VISIBLE_DEVICES="}).empty());
    CHECK(gpus({"CUDA_VISIBLE_DEVICES=2"}) == Strings{"/dev/nvidia2"});
    // The control nodes stay: a GPU is reached through them.
    LaunchPlan none = plan_launch(request, host(node, {"NVIDIA_VISIBLE_DEVICES=none"}), image());
    CHECK(targets(steps_for(none, "nv: device")) == Strings{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-caps"});
}

TEST_CASE("gpu planner: CUDA_VISIBLE_DEVICES is renumbered as CUDA will number the GPUs the container has") {
    Node node = nvidia_host();
    LaunchRequest request = exec_nv();
    request.contain = true;
    auto inside = [&](Strings variables) { return env_value(plan_launch(request, host(node, variables), image()), "CUDA_VISIBLE_DEVICES"); };
    CHECK(inside({"CUDA_VISIBLE_DEVICES=2"}) == "0");
    CHECK(inside({"CUDA_VISIBLE_DEVICES=2,0"}) == "1,0");
    CHECK(inside({"CUDA_VISIBLE_DEVICES=GPU-1234"}) == "GPU-1234");  // a UUID names the GPU anywhere
    // NVIDIA_VISIBLE_DEVICES chose: CUDA's own variable is the user's business.
    CHECK(inside({"NVIDIA_VISIBLE_DEVICES=2", "CUDA_VISIBLE_DEVICES=0"}) == "0");
    // --containall drops host variables, not the renumbered one.
    request.containall = true;
    CHECK(inside({"CUDA_VISIBLE_DEVICES=1"}) == "0");
    // The user's --env has the last word.
    request.env_options = {"CUDA_VISIBLE_DEVICES=5"};
    CHECK(inside({"CUDA_VISIBLE_DEVICES=1"}) == "5");
}

TEST_CASE("gpu planner: in a Slurm job, the GPUs Slurm gave it, however CUDA_VISIBLE_DEVICES numbers them") {
    Node node = nvidia_host();
    LaunchRequest request = exec_nv();
    request.contain = true;
    auto plan = [&](Strings variables) { return plan_launch(request, host(node, variables), image()); };
    // ConstrainDevices: the job's one GPU, the node's 2, is CUDA's 0 on the host and in the container.
    LaunchPlan constrained = plan({"SLURM_JOB_ID=7", "SLURM_STEP_GPUS=2", "CUDA_VISIBLE_DEVICES=0"});
    CHECK(targets(steps_for(constrained, "nv: GPU")) == Strings{"/dev/nvidia2"});
    CHECK(env_value(constrained, "CUDA_VISIBLE_DEVICES") == "0");
    // Without it, Slurm gives the node's numbers to CUDA too: the container renumbers them.
    LaunchPlan open = plan({"SLURM_JOB_ID=7", "SLURM_STEP_GPUS=2,0", "CUDA_VISIBLE_DEVICES=2,0"});
    CHECK(targets(steps_for(open, "nv: GPU")) == Strings{"/dev/nvidia0", "/dev/nvidia2"});
    CHECK(env_value(open, "CUDA_VISIBLE_DEVICES") == "1,0");
    // A batch script has the job's list; NVIDIA_VISIBLE_DEVICES, set by the user, comes first.
    CHECK(targets(steps_for(plan({"SLURM_JOB_GPUS=1", "CUDA_VISIBLE_DEVICES=0"}), "nv: GPU")) == Strings{"/dev/nvidia1"});
    CHECK(targets(steps_for(plan({"NVIDIA_VISIBLE_DEVICES=0", "SLURM_STEP_GPUS=1"}), "nv: GPU")) ==
          Strings{"/dev/nvidia0"});
    // AMD's jobs likewise, ROCR_VISIBLE_DEVICES as CUDA's.
    VisibleGpus amd = visible_gpus(hpc::gpu::Vendor::amd, nvidia_node().gpus,
                                   {"SLURM_STEP_GPUS=1", "ROCR_VISIBLE_DEVICES=1"});
    REQUIRE(amd.gpus.size() == 1);
    CHECK(amd.gpus[0].index == 1);
    CHECK(amd.renumbered == std::make_pair(std::string("ROCR_VISIBLE_DEVICES"), std::string("0")));
}

TEST_CASE("gpu planner: a GPU the node has not got is an error naming the variable") {
    Node node = nvidia_host();
    LaunchRequest request = exec_nv();
    request.contain = true;
    CHECK(device_error(request, node, {"CUDA_VISIBLE_DEVICES=0,3"}, ExitCode::usage) ==
          "CUDA_VISIBLE_DEVICES names 3, but this node has GPUs 0-2");
    CHECK(device_error(request, node, {"NVIDIA_VISIBLE_DEVICES=GPU-8f6"}, ExitCode::usage) ==
          "NVIDIA_VISIBLE_DEVICES names GPU-8f6, but more than one of this node's GPUs has a UUID that starts so");
    CHECK(device_error(request, node, {"NVIDIA_VISIBLE_DEVICES=GPU-ffff"}, ExitCode::usage) ==
          "NVIDIA_VISIBLE_DEVICES names GPU-ffff, but no GPU of this node has that UUID");
    VisibleGpus mig = visible_gpus(hpc::gpu::Vendor::nvidia, nvidia_node().gpus, {"NVIDIA_VISIBLE_DEVICES=MIG-1/2/3"});
    CHECK(mig.gpus.size() == 3);
    CHECK(mig.warnings == Strings{"NVIDIA_VISIBLE_DEVICES names a MIG instance, which hpc cannot tell from its GPU: "
                                  "every GPU of the node is shown"});
}

TEST_CASE("gpu planner: a node without the driver warns and runs, unless the site requires it") {
    Node node;
    // Mesa's libGL is on the list, but it is no NVIDIA driver: nothing is bound.
    node.nvidia.libraries = {{"libGL.so.1", "/usr/lib/x86_64-linux-gnu/libGL.so.1.7.0", false}};
    LaunchPlan plan = plan_launch(exec_nv(), host(node), image());
    CHECK(steps_for(plan, "nv").empty());
    CHECK(plan.warnings == Strings{"--nv: no NVIDIA driver found on this node (no libcuda.so in LD_LIBRARY_PATH or "
                                   "/etc/ld.so.cache, no /dev/nvidiactl): the container runs without it"});
    LaunchRequest rocm = exec_nv();
    rocm.nv = false;
    rocm.rocm = true;
    CHECK(plan_launch(rocm, host(node), image()).warnings ==
          Strings{"--rocm: no AMD driver found on this node (no libhsa-runtime64.so in LD_LIBRARY_PATH or "
                  "/etc/ld.so.cache, no /dev/kfd): the container runs without it"});
    hpc::site::SiteConfig site;
    site.gpu.require_driver = true;
    CHECK(device_error(exec_nv(), node, {}, ExitCode::unavailable, site) ==
          "--nv: no NVIDIA driver found on this node (no libcuda.so in LD_LIBRARY_PATH or /etc/ld.so.cache, no "
          "/dev/nvidiactl) (the site's gpu.require_driver)");
}

TEST_CASE("gpu planner: half a driver is bound with a warning saying which half is missing") {
    Node libraries_only = nvidia_host();
    libraries_only.nvidia.control_nodes.clear();
    libraries_only.nvidia.gpus.clear();
    LaunchPlan plan = plan_launch(exec_nv(), host(libraries_only), image());
    CHECK(steps_for(plan, "nv: library").size() == 3);
    CHECK(plan.warnings == Strings{"--nv: no NVIDIA device nodes (/dev/nvidiactl) on this node: the driver's "
                                   "libraries are bound, but no GPU can be used"});
    Node nodes_only = nvidia_host();
    nodes_only.nvidia.libraries.clear();
    plan = plan_launch(exec_nv(), host(nodes_only), image());
    CHECK(steps_for(plan, "nv: GPU").size() == 3);
    CHECK(plan.warnings == Strings{"--nv: no NVIDIA driver library (no libcuda.so in LD_LIBRARY_PATH or "
                                   "/etc/ld.so.cache): the device nodes are bound, and the image must bring the "
                                   "driver's libraries"});
    CHECK(env_value(plan, "LD_LIBRARY_PATH") == "(unset)");  // no /.singularity.d/libs to put first
}

TEST_CASE("gpu planner: what the user's search paths found is judged by the site's bind policy") {
    Node node = nvidia_host();
    hpc::site::SiteConfig site;
    site.binds.deny = {"/home/bob/driver"};
    CHECK(device_error(exec_nv(), node, {}, ExitCode::denied, site) ==
          "denied by site policy: binds.deny: /home/bob/driver/libnvidia-ptxjitcompiler.so.1");
    site.binds.deny = {"/usr/local/nvidia/lib64"};  // found through ld.so.cache: the system's own
    CHECK(steps_for(plan_launch(exec_nv(), host(node), image(), site), "nv: library").size() == 3);
}

TEST_CASE("gpu planner: MPS's directories are bound when named and not already there") {
    Node node = nvidia_host();
    Strings variables = {"CUDA_MPS_PIPE_DIRECTORY=/tmp/mps", "CUDA_MPS_LOG_DIRECTORY=/var/log/mps"};
    CHECK(steps_for(plan_launch(exec_nv(), host(node, variables), image()), "nv: CUDA_MPS").empty());  // /tmp is the host's
    LaunchRequest contained = exec_nv();
    contained.contain = true;
    LaunchPlan plan = plan_launch(contained, host(node, variables), image());
    std::vector<MountStep> mps = steps_for(plan, "nv: CUDA_MPS");
    REQUIRE(mps.size() == 1);
    CHECK(mps[0].target == "/tmp/mps");
    CHECK_FALSE(mps[0].read_only);
    CHECK(plan.warnings == Strings{"--nv: CUDA_MPS_LOG_DIRECTORY /var/log/mps is not bound: it does not exist"});
    hpc::site::SiteConfig site;
    site.binds.deny = {"/tmp"};
    CHECK(plan_launch(contained, host(node, {"CUDA_MPS_PIPE_DIRECTORY=/tmp/mps"}), image(), site).warnings ==
          Strings{"--nv: CUDA_MPS_PIPE_DIRECTORY /tmp/mps is not bound: denied by site policy: binds.deny: /tmp/mps"});
}

TEST_CASE("gpu planner: --rocm asks for AMD's lists and binds /dev/kfd and the render nodes") {
    Node node;
    node.amd.libraries = {{"libhsa-runtime64.so.1", "/opt/rocm/lib/libhsa-runtime64.so.1.11", false}};
    node.amd.programs = {{"rocm-smi", "/opt/rocm/bin/rocm-smi", true}};
    node.amd.control_nodes = {"/dev/kfd"};
    node.amd.gpus = {{0, "", {"/dev/dri/card1", "/dev/dri/renderD129"}}, {1, "", {"/dev/dri/card0", "/dev/dri/renderD128"}}};
    LaunchRequest request = exec_nv();
    request.nv = false;
    request.rocm = true;
    request.contain = true;
    LaunchPlan plan = plan_launch(request, host(node, {"ROCR_VISIBLE_DEVICES=1"}), image());
    REQUIRE(node.queries.size() == 1);
    CHECK(node.queries[0].libraries == hpc::site::default_rocm_libraries());
    CHECK(targets(steps_for(plan, "rocm:")) ==
          Strings{"/.singularity.d/libs", "/.singularity.d/libs/libhsa-runtime64.so.1", "/usr/bin/rocm-smi", "/dev/kfd", "/dev/dri/card0",
                  "/dev/dri/renderD128"});
    CHECK(env_value(plan, "ROCR_VISIBLE_DEVICES") == "0");
}

TEST_CASE("gpu planner: a CDI device's edits are binds, links, a tmpfs and variables") {
    Node node;
    node.cdi.devices = {"hpc.test/gpu=0"};
    node.cdi.device_nodes = {{"/dev/hpc0", "/dev/gpu0"}};
    node.cdi.mounts = {{"/srv/cdi/data", "/opt/data", true, false, ""}, {"", "/run/cdi", false, true, "size=1m"}};
    node.cdi.env = {"HPC_TEST_DEVICE=0", "EMPTY="};
    node.cdi.library_directories = {"/usr/lib/cdi"};
    node.cdi.symlinks = {{"libcuda.so.1", "/usr/lib/cdi/libcuda.so"}};
    LaunchRequest request = exec_nv();
    request.nv = false;
    request.devices = {"hpc.test/gpu=0"};
    LaunchPlan plan = plan_launch(request, host(node), image());
    REQUIRE(node.cdi_asked.size() == 1);
    CHECK(node.cdi_asked[0].first == Strings{"hpc.test/gpu=0"});
    CHECK(node.cdi_asked[0].second == Strings{"/etc/cdi", "/var/run/cdi"});
    std::vector<MountStep> steps = steps_for(plan, "cdi: hpc.test/gpu=0");
    REQUIRE(steps.size() == 4);
    CHECK(steps[0] == bind_step("/dev/hpc0", "/dev/gpu0", false, "cdi: hpc.test/gpu=0"));
    CHECK(steps[1] == bind_step("/srv/cdi/data", "/opt/data", true, "cdi: hpc.test/gpu=0"));
    CHECK(steps[2].kind == MountKind::tmpfs);
    CHECK(steps[2].target == "/run/cdi");
    CHECK(steps[2].options == "size=1m");
    CHECK(steps[3].kind == MountKind::symlink);
    CHECK(steps[3].source == "libcuda.so.1");
    CHECK(steps[3].target == "/usr/lib/cdi/libcuda.so");
    CHECK(env_value(plan, "HPC_TEST_DEVICE") == "0");
    CHECK(env_value(plan, "EMPTY") == "");
    CHECK(env_value(plan, "LD_LIBRARY_PATH") == "/usr/lib/cdi");
}

TEST_CASE("gpu planner: CDI specs from --cdi-dirs are the user's: their host paths meet the site's bind policy") {
    Node node;
    node.cdi.devices = {"hpc.test/gpu=0"};
    node.cdi.mounts = {{"/srv/cdi/data", "/opt/data", true, false, ""}};
    LaunchRequest request = exec_nv();
    request.nv = false;
    request.devices = {"hpc.test/gpu=0"};
    hpc::site::SiteConfig site;
    site.binds.deny = {"/srv"};
    CHECK(steps_for(plan_launch(request, host(node), image(), site), "cdi:").size() == 1);  // the site's own specs
    request.cdi_directories = {"/home/bob/cdi"};
    CHECK(device_error(request, node, {}, ExitCode::denied, site) == "denied by site policy: binds.deny: /srv/cdi/data");
    CHECK(node.cdi_asked.back().second == Strings{"/home/bob/cdi"});
    node.cdi.mounts = {{"/srv/missing", "/opt/data", true, false, ""}};
    CHECK(device_error(request, node, {}, ExitCode::no_input) ==
          "cdi: hpc.test/gpu=0: mount source /srv/missing does not exist");
    node.cdi.mounts = {{"", "/opt/..", false, true, ""}};
    CHECK(device_error(request, node, {}, ExitCode::data) ==
          "cdi: hpc.test/gpu=0: /opt/..: cannot mount over the container's root");
}
