// A benchmark (a case of hpc_bench_cases, never run by ctest): the squashfs writer against mksquashfs and
// gensquashfs on the same tree with the same compressor and block size, each run a few times;
// medians of wall time, peak RSS (ru_maxrss of the process that wrote) and image sizes.
//
//   HPC_SQUASHFS_BENCH_TREE=/path/to/tree HPC_BENCH_RUNS=3 HPC_BENCH_COMPRESSION=gzip
//   build/bench/cases/hpc_bench_cases "squashfs writer: benchmark*"
//
// The writer runs in a forked child of this test binary, so its peak RSS includes what the
// binary itself held at the fork (printed alongside). Figures are printed, never asserted.
#include "image/write/squashfs_writer.hpp"
#include "image_fixture.hpp"
#include "squashfs_writer_support.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <thread>

using namespace hpc::test;

namespace {

struct Run {
    double seconds = 0;
    long max_rss_kib = 0;
    uint64_t size = 0;
};

// Forks, runs `work` in the child, and measures the child.
Run measure(const std::function<int()>& work, const std::string& output) {
    auto start = std::chrono::steady_clock::now();
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(work());
    int status = 0;
    struct rusage usage {};
    REQUIRE(::wait4(child, &status, 0, &usage) == child);
    Run run;
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    run.max_rss_kib = usage.ru_maxrss;
    struct stat info {};
    if (::stat(output.c_str(), &info) == 0) run.size = static_cast<uint64_t>(info.st_size);
    return run;
}

int exec_quietly(std::vector<std::string> argv) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    return 127;
}

template <typename T>
T median(std::vector<T> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

long own_rss_kib() {
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("squashfs writer: benchmark against mksquashfs and gensquashfs", "[bench]") {
    const char* tree = std::getenv("HPC_SQUASHFS_BENCH_TREE");
    if (tree == nullptr) {
        WARN("SKIPPED: set HPC_SQUASHFS_BENCH_TREE to a directory to pack");
        return;
    }
    int runs = std::getenv("HPC_BENCH_RUNS") ? std::atoi(std::getenv("HPC_BENCH_RUNS")) : 3;
    std::string compression = std::getenv("HPC_BENCH_COMPRESSION") ? std::getenv("HPC_BENCH_COMPRESSION") : "gzip";
    TempDir dir("hpc-sqw-bench");
    std::string cpus = std::to_string(std::max(1u, std::thread::hardware_concurrency()));

    std::map<std::string, std::function<int(const std::string&)>> tools;
    tools["hpc"] = [&](const std::string& out) {
        hpc::image::SquashfsWriteOptions options;
        options.compression = compression;
        try {
            write_image(tree, out, options);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "%s\n", error.what());
            return 1;
        }
        return 0;
    };
    tools["mksquashfs"] = [&](const std::string& out) {
        return exec_quietly({"mksquashfs", tree, out, "-noappend", "-quiet", "-no-progress", "-comp", compression,
                             "-b", "131072", "-processors", cpus});
    };
    if (shell_output("command -v gensquashfs").empty()) {
        WARN("gensquashfs is not installed (squashfs-tools-ng): not compared");
    } else {
        tools["gensquashfs"] = [&](const std::string& out) {
            return exec_quietly({"gensquashfs", "-q", "-f", "-D", tree, "-c", compression, "-b", "131072", "-j", cpus, out});
        };
    }

    std::map<std::string, std::vector<Run>> results;
    for (int round = 0; round < runs; ++round) {
        for (auto& [name, tool] : tools) {
            std::string out = dir.path() + "/" + name + ".sqfs";
            ::unlink(out.c_str());
            results[name].push_back(measure([&] { return tool(out); }, out));
        }
    }
    auto summary = [&](const std::string& name) {
        std::vector<double> seconds;
        std::vector<long> rss;
        for (const Run& run : results[name]) {
            seconds.push_back(run.seconds);
            rss.push_back(run.max_rss_kib);
        }
        return std::make_tuple(median(seconds), median(rss), results[name].back().size);
    };
    auto [hpc_seconds, hpc_rss, hpc_size] = summary("hpc");
    std::printf("squashfs writer benchmark: %s, %s, %d runs, %s CPUs (test binary's own RSS %ld KiB)\n", tree,
                compression.c_str(), runs, cpus.c_str(), own_rss_kib());
    for (const auto& [name, ignored] : tools) {
        auto [seconds, rss, size] = summary(name);
        std::printf("  %-12s %8.2f s  %8ld KiB  %12llu bytes   hpc/this: time %.2fx, RSS %.2fx, size %.4fx\n",
                    name.c_str(), seconds, rss, static_cast<unsigned long long>(size), hpc_seconds / seconds,
                    static_cast<double>(hpc_rss) / static_cast<double>(rss),
                    static_cast<double>(hpc_size) / static_cast<double>(size));
    }
}
