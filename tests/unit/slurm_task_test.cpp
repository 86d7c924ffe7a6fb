// What the SPANK plugin hands hpc for a task, the admin's plugin arguments, and the job a
// prolog or epilog is run for (slurm/).
#include "slurm/plugin_settings.hpp"
#include "slurm/slurm_job.hpp"
#include "slurm/task_options.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::ExitCode;
using namespace hpc::slurm;

namespace {

TaskOptions in_image(std::string image) {
    TaskOptions options;
    options.image = std::move(image);
    return options;
}

}  // namespace

TEST_CASE("slurm task: every option survives the trip through HPC_SLURM_TASK", "[slurm]") {
    TaskOptions options;
    options.image = "/images/app.sif";
    options.binds = {"/scratch", "/data:/mnt:ro,/opt"};
    options.env = {"A=1,B=two words"};
    options.pwd = "/work";
    options.network = "none";
    options.writable_tmpfs = true;
    options.nv = true;
    options.rocm = true;
    options.stage = true;
    options.batch_script = "/var/spool/slurmd/job00012/slurm_script";
    Task task = decode_task(encode_task(options, "hostname"));
    CHECK(task.options == options);
    CHECK(task.command == "hostname");
    CHECK(decode_task(encode_task(in_image("a.sif"), "/bin/true")) == Task{in_image("a.sif"), "/bin/true"});
}

TEST_CASE("slurm task: the GPU flags, each its own line and each read back alone", "[slurm]") {
    TaskOptions both = in_image("a.sif");
    both.nv = true;
    both.rocm = true;
    CHECK(encode_task(both, "ls") == "image=a.sif\nnv=1\nrocm=1\ncommand=ls\n");
    Task nv_only = decode_task("image=a.sif\nnv=1\ncommand=ls\n");
    CHECK(nv_only.options.nv);
    CHECK_FALSE(nv_only.options.rocm);
    Task rocm_only = decode_task("image=a.sif\nrocm=1\ncommand=ls\n");
    CHECK_FALSE(rocm_only.options.nv);
    CHECK(rocm_only.options.rocm);
    CHECK(encode_task(in_image("a.sif"), "ls") == "image=a.sif\ncommand=ls\n");
}

TEST_CASE("slurm task: hpc exec's command line, the batch script bound where it is", "[slurm]") {
    Task task{in_image("app.sif"), "/spool/job1/slurm_script"};
    task.options.binds = {"/a"};
    task.options.env = {"X=1"};
    task.options.pwd = "/w";
    task.options.network = "none";
    task.options.writable_tmpfs = true;
    task.options.nv = true;
    task.options.rocm = true;
    task.options.batch_script = "/spool/job1/slurm_script";
    CHECK(exec_arguments(task) == std::vector<std::string>{"exec", "--bind", "/a", "--bind", "/spool/job1/slurm_script",
                                                           "--env", "X=1", "--pwd", "/w", "--network", "none",
                                                           "--writable-tmpfs", "--nv", "--rocm", "app.sif",
                                                           "/spool/job1/slurm_script"});
    Task rocm{in_image("app.sif"), "rocminfo"};
    rocm.options.rocm = true;
    CHECK(exec_arguments(rocm) == std::vector<std::string>{"exec", "--rocm", "app.sif", "rocminfo"});
    CHECK(exec_arguments(Task{in_image("app.sif"), "ls"}) ==
          std::vector<std::string>{"exec", "app.sif", "ls"});
}

TEST_CASE("slurm task: what cannot be carried, or read back, is refused by name", "[slurm]") {
    TaskOptions bad_pwd = in_image("a.sif");
    bad_pwd.pwd = "/a\nb";
    CHECK(hpc::test::error_message([&] { encode_task(bad_pwd, "ls"); }) ==
          "--hpc-pwd /a\nb: a value cannot contain a newline");
    CHECK(hpc::test::error_message([] { decode_task("image=a.sif\ncolour=red\ncommand=ls\n"); }) ==
          "HPC_SLURM_TASK: unknown line 'colour=red' (from an hpc SPANK plugin of another version?)");
    CHECK(hpc::test::error_message([] { decode_task("image=a.sif\n"); }) == "HPC_SLURM_TASK: no image or no command");
}

TEST_CASE("slurm task: the job's options over the admin's defaults", "[slurm]") {
    TaskOptions defaults = in_image("/site/default.sif");
    defaults.binds = {"/site"};
    defaults.env = {"SITE=1"};
    defaults.network = "host";
    TaskOptions given;
    given.binds = {"/mine"};
    given.network = "none";
    given.writable_tmpfs = true;
    TaskOptions merged = merge(defaults, given);
    CHECK(merged.image == "/site/default.sif");
    CHECK(merged.binds == std::vector<std::string>{"/site", "/mine"});
    CHECK(merged.env == std::vector<std::string>{"SITE=1"});
    CHECK(merged.network == "none");
    CHECK(merged.writable_tmpfs);
    CHECK_FALSE(merged.nv);
    CHECK_FALSE(merged.rocm);
    CHECK(merge(defaults, in_image("mine.sif")).image == "mine.sif");
    // A GPU flag is on when the admin's defaults or the job set it; a job cannot turn one off.
    TaskOptions nv_default;
    nv_default.nv = true;
    TaskOptions rocm_given;
    rocm_given.rocm = true;
    TaskOptions gpus = merge(nv_default, rocm_given);
    CHECK(gpus.nv);
    CHECK(gpus.rocm);
    CHECK(merge(rocm_given, TaskOptions{}).rocm);
    CHECK_FALSE(merge(rocm_given, TaskOptions{}).nv);
}

TEST_CASE("slurm plugin: plugstack.conf arguments", "[slurm]") {
    PluginSettings settings = parse_plugin_arguments({"hpc=/opt/hpc/bin/hpc", "bind=/scratch", "network=none",
                                                      "writable-tmpfs"},
                                                     "/usr/local/bin/hpc");
    CHECK(settings.hpc == "/opt/hpc/bin/hpc");
    TaskOptions expected;
    expected.binds = {"/scratch"};
    expected.network = "none";
    expected.writable_tmpfs = true;
    CHECK(settings.defaults == expected);
    CHECK(parse_plugin_arguments({}, "/usr/local/bin/hpc").hpc == "/usr/local/bin/hpc");
    // The GPU flags as defaults: every --hpc-image task of such a node gets --nv (or --rocm).
    TaskOptions gpus;
    gpus.nv = true;
    CHECK(parse_plugin_arguments({"nv"}, "/usr/local/bin/hpc").defaults == gpus);
    gpus.rocm = true;
    CHECK(parse_plugin_arguments({"rocm", "nv"}, "/usr/local/bin/hpc").defaults == gpus);
    PluginSettings nv_site = parse_plugin_arguments({"nv"}, "/usr/local/bin/hpc");
    CHECK(exec_arguments(Task{merge(nv_site.defaults, in_image("app.sif")), "nvidia-smi"}) ==
          std::vector<std::string>{"exec", "--nv", "app.sif", "nvidia-smi"});
    auto refusal = [](std::string argument) {
        return hpc::test::error_message([&] { parse_plugin_arguments({argument}, "/usr/bin/hpc"); }, ExitCode::config);
    };
    CHECK(refusal("hpc=bin/hpc") == "plugstack.conf: spank_hpc.so argument 'hpc=bin/hpc': hpc= needs an absolute path");
    CHECK(refusal("colour=red") == "plugstack.conf: spank_hpc.so argument 'colour=red': unknown (known: hpc, image, "
                                   "bind, env, pwd, network, writable-tmpfs, nv, rocm, stage)");
    CHECK(refusal("batch-script=/x").find("unknown") != std::string::npos);
}

TEST_CASE("slurm job: from slurmd's variables for a prolog or epilog", "[slurm]") {
    SlurmJob job = job_from_environment({"SLURM_JOB_ID=42", "SLURM_JOB_UID=1001", "SLURM_JOB_GID=100",
                                         "SLURM_JOB_WORK_DIR=/home/ada", "SPANK_HPC_IMAGE=images/app.sif",
                                         "SPANK_HPC_STAGE=1"});
    CHECK(job == SlurmJob{"42", 1001, 100, "/home/ada/images/app.sif", true});
    CHECK(job_from_environment({"SLURM_JOB_ID=7", "SLURM_JOB_UID=5"}) == SlurmJob{"7", 5, 5, "", false});
    CHECK(hpc::test::error_message([] { job_from_environment({"SLURM_JOB_UID=5"}); }) ==
          "SLURM_JOB_ID is not set: run by Slurm's slurmd as a Prolog or Epilog");
    CHECK(hpc::test::error_message([] { job_from_environment({"SLURM_JOB_ID=../x", "SLURM_JOB_UID=5"}); }) ==
          "SLURM_JOB_ID=../x: not a number");
    CHECK(staged_image_path("/local/hpc", "42", "/home/ada/images/app.sif") == "/local/hpc/job-42/app.sif");
}
