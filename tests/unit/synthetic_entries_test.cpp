#include "common/error.hpp"
#include "image/serve/inode_map.hpp"
#include "image/serve/synthetic_entries.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

using hpc::image::InodeMap;
using hpc::image::SyntheticEntries;

namespace {

int errno_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const hpc::Error& error) {
        return error.sys_errno();
    }
    return 0;
}

}  // namespace

TEST_CASE("synthetic entries: made under image and synthetic directories, found again", "[synthetic]") {
    SyntheticEntries entries(InodeMap::first_synthetic);
    CHECK(entries.size() == 0);
    auto proc = entries.add(InodeMap::root_ino, "proc", true);
    auto file = entries.add(InodeMap::root_ino, "hostname", false);
    auto nested = entries.add(proc.ino, "deeper", true);
    CHECK(InodeMap::is_synthetic(proc.ino));
    CHECK(InodeMap::is_synthetic(file.ino));
    CHECK(proc.ino != file.ino);
    CHECK(entries.find(InodeMap::root_ino, "proc")->ino == proc.ino);
    CHECK(entries.find(proc.ino, "deeper")->ino == nested.ino);
    CHECK_FALSE(entries.find(InodeMap::root_ino, "deeper"));
    CHECK(entries.get(file.ino)->name == "hostname");
    CHECK_FALSE(entries.get(file.ino)->directory);
    CHECK(entries.get(nested.ino)->parent == proc.ino);
    auto children = entries.children(InodeMap::root_ino);
    REQUIRE(children.size() == 2);
    CHECK(children[0].name == "proc");
    CHECK(children[1].name == "hostname");
    CHECK(entries.size() == 3);
}

TEST_CASE("synthetic entries: a taken name is EEXIST, and nothing is made after seal", "[synthetic]") {
    SyntheticEntries entries(InodeMap::first_synthetic);
    entries.add(InodeMap::root_ino, "sys", true);
    CHECK(errno_of([&] { entries.add(InodeMap::root_ino, "sys", false); }) == EEXIST);
    entries.seal();
    CHECK(entries.sealed());
    CHECK(errno_of([&] { entries.add(InodeMap::root_ino, "dev", true); }) == EROFS);
    CHECK_FALSE(entries.find(InodeMap::root_ino, "dev"));
    CHECK(entries.find(InodeMap::root_ino, "sys"));
}

TEST_CASE("synthetic entries: racing makers of one name, one wins", "[synthetic]") {
    SyntheticEntries entries(InodeMap::first_synthetic);
    std::atomic<int> made{0}, refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            if (errno_of([&] { entries.add(InodeMap::root_ino, "tmp", true); }) == EEXIST)
                ++refused;
            else
                ++made;
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(made == 1);
    CHECK(refused == 7);
    CHECK(entries.children(InodeMap::root_ino).size() == 1);
}
