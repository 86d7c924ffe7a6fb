// The FUSE server's failure log alone: counted from many threads, the first cause kept, and
// what a launcher says of it. The server's use of it, through a real mount, is in
// squashfs_server_test.cpp.
#include "image/serve/serve_failures.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using hpc::image::ServeFailureLog;
using hpc::image::ServeFailures;

TEST_CASE("serve failures: none recorded is a zero count and no cause", "[serve_failures]") {
    ServeFailureLog log;
    ServeFailures failures = log.snapshot();
    CHECK(failures.count == 0);
    CHECK(failures.first.empty());
}

TEST_CASE("serve failures: every failure counts, the first cause stays", "[serve_failures]") {
    ServeFailureLog log;
    log.record("corrupt data block at byte 96 (does not decompress)");
    log.record("corrupt inode table (numbers disagree)");
    log.record("out of memory");
    ServeFailures failures = log.snapshot();
    CHECK(failures.count == 3);
    CHECK(failures.first == "corrupt data block at byte 96 (does not decompress)");
}

TEST_CASE("serve failures: worker threads record at once, a count is never seen without its cause",
          "[serve_failures]") {
    constexpr int threads = 8, each = 2000;
    ServeFailureLog log;
    std::atomic<bool> done{false};
    std::atomic<int> seen_without_cause{0};
    // Asks while the workers record, as a launcher may while its mount still serves.
    std::thread watcher([&] {
        while (!done.load()) {
            ServeFailures failures = log.snapshot();
            if (failures.count > 0 && failures.first.empty()) seen_without_cause.fetch_add(1);
        }
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&log, t] {
            for (int i = 0; i < each; ++i) log.record("worker " + std::to_string(t) + " failure " + std::to_string(i));
        });
    for (std::thread& worker : workers) worker.join();
    done.store(true);
    watcher.join();

    ServeFailures failures = log.snapshot();
    CHECK(failures.count == uint64_t(threads) * each);
    // Whichever worker came first, the cause kept is its first failure.
    CHECK(failures.first.starts_with("worker "));
    CHECK(failures.first.ends_with(" failure 0"));
    CHECK(seen_without_cause.load() == 0);
}

TEST_CASE("serve failures: described as the launcher says them", "[serve_failures]") {
    CHECK(describe("app.sif", ServeFailures{1, "corrupt data block at byte 96 (does not decompress)", false}) ==
          "app.sif: 1 read failed (corrupt data block at byte 96 (does not decompress))");
    CHECK(describe("app.sif", ServeFailures{3, "corrupt inode table (numbers disagree)", false}) ==
          "app.sif: 3 reads failed (first: corrupt inode table (numbers disagree))");
    CHECK(describe("app.sif", ServeFailures{2, "", false}) == "app.sif: 2 reads failed");  // the cause could not be kept
    CHECK_FALSE(describe("app.sif", ServeFailures{0, "", false}));  // nothing went wrong: nothing is said
}

TEST_CASE("serve failures: an image changed while it was served is said so, with or without failed reads",
          "[serve_failures]") {
    CHECK(describe("app.sif", ServeFailures{2, "the image file changed (its size or modification time)", true}) ==
          "app.sif changed while it was served: 2 reads failed (first: the image file changed (its size or "
          "modification time))");
    CHECK(describe("app.sif", ServeFailures{0, "", true}) ==
          "app.sif changed while it was served: no read failed (none came after the change)");
}
