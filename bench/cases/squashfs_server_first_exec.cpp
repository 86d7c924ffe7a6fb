// A measurement, not a test (build/bench/cases/hpc_bench_cases "squashfs server*"): how long from
// mount(2) to the first exec of busybox from the mount, and how many of busybox's blocks the
// server decompresses to read it whole. A case of hpc_bench_cases because it needs the server's
// own counters.
#include "image/tree/image_file.hpp"
#include "image/serve/squashfs_server.hpp"
#include "image_fixture.hpp"
#include "namespace_child.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

using hpc::image::ImageFile;
using hpc::image::SquashfsServer;
using hpc::test::ChildReport;
using hpc::test::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

double microseconds(Clock::duration duration) { return std::chrono::duration<double, std::micro>(duration).count(); }

// Runs `path` as "true" and waits: whether it exited 0.
bool run_true(const std::string& path) {
    pid_t child = ::fork();
    if (child == 0) {
        char name[] = "true";
        char* argv[] = {name, nullptr};
        ::execv(path.c_str(), argv);
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("squashfs server: time to the first exec of busybox, blocks decoded", "[bench]") {
    TempDir scratch("hpc-bench");
    std::string tree = scratch.path() + "/tree", image = scratch.path() + "/busybox.sqfs", mnt = scratch.path() + "/mnt";
    ::mkdir(tree.c_str(), 0755);
    ::mkdir((tree + "/bin").c_str(), 0755);
    ::mkdir(mnt.c_str(), 0755);
    hpc::test::write_host_file(tree + "/bin/busybox", hpc::test::read_host_file("/bin/busybox"), 0755);
    ::symlink("busybox", (tree + "/bin/sh").c_str());
    ::symlink("busybox", (tree + "/bin/true").c_str());
    REQUIRE(hpc::test::run_command({"mksquashfs", tree, image, "-noappend", "-quiet", "-no-progress"}) == 0);

    auto outcome = hpc::test::run_in_user_namespace([&](ChildReport& child) {
        ImageFile file = ImageFile::open(image);
        SquashfsServer server(file);
        auto start = Clock::now();
        server.mount(mnt);
        auto mounted = Clock::now();
        child.expect(run_true(mnt + "/bin/true"), "busybox true from the mount");
        auto executed = Clock::now();
        auto after_exec = server.stats();

        auto repeat_start = Clock::now();
        constexpr int repeats = 200;
        for (int i = 0; i < repeats; ++i) run_true(mnt + "/bin/true");
        auto repeat_end = Clock::now();

        std::string content = hpc::test::read_host_file(mnt + "/bin/busybox");
        auto after_read = server.stats();
        uint64_t block = 131072;
        uint64_t file_blocks = (content.size() + block - 1) / block;
        child.expect(content == hpc::test::read_host_file("/bin/busybox"), "busybox read back whole");
        child.expect(after_read.blocks_decoded == file_blocks, "blocks decoded equal the file's blocks");
        child.note("mount(): " + std::to_string(microseconds(mounted - start)) + " us");
        child.note("mount to first exec of busybox true done: " + std::to_string(microseconds(executed - start)) + " us");
        child.note("first exec alone: " + std::to_string(microseconds(executed - mounted)) + " us, decoded " +
                   std::to_string(after_exec.blocks_decoded) + " blocks in " + std::to_string(after_exec.read_requests) +
                   " reads");
        child.note("later execs: " + std::to_string(microseconds(repeat_end - repeat_start) / repeats) + " us each");
        child.note("busybox: " + std::to_string(content.size()) + " bytes, " + std::to_string(file_blocks) +
                   " blocks; decoded after reading it whole: " + std::to_string(after_read.blocks_decoded) +
                   " (cache hits " + std::to_string(after_read.cache_hits) + ")");
    });
    for (const std::string& note : outcome.notes) std::cout << note << "\n";
    if (!outcome.skipped.empty()) WARN("SKIPPED: " << outcome.skipped);
    for (const std::string& failure : outcome.failures) FAIL_CHECK(failure);
    if (!outcome.abnormal.empty()) FAIL(outcome.abnormal);
}
