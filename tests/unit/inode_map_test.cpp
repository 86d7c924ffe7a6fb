#include "image/serve/inode_map.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using hpc::image::InodeMap;

TEST_CASE("inode map: the root is FUSE_ROOT_ID, other inodes their number plus one", "[inode_map]") {
    InodeMap table(100, 100, 0x1234);  // mksquashfs numbers the root last
    CHECK(table.ino(100) == InodeMap::root_ino);
    CHECK(table.ino(1) == 2);
    CHECK(table.ino(99) == 100);
    CHECK(table.number(InodeMap::root_ino) == 100u);
    CHECK(table.number(2) == 1u);
    CHECK(table.number(100) == 99u);
    // The FUSE inode the root's number would have had is never handed out.
    CHECK_FALSE(table.number(101));
    CHECK_FALSE(table.number(0));
    CHECK_FALSE(table.number(102));
    CHECK_FALSE(table.number(InodeMap::first_synthetic));
    CHECK(InodeMap::is_synthetic(InodeMap::first_synthetic));
    CHECK_FALSE(InodeMap::is_synthetic(table.ino(99)));
    // No squashfs inode number maps into the synthetic range.
    CHECK_FALSE(InodeMap::is_synthetic(uint64_t(UINT32_MAX) + 1));
}

TEST_CASE("inode map: refs are remembered, including ref 0, and bounded", "[inode_map]") {
    InodeMap table(10, 10, 0x99);
    CHECK(table.ref(10) == 0x99u);
    CHECK_FALSE(table.ref(3));
    CHECK(table.remember(3, 0));  // the first inode of the table lies at ref 0
    CHECK(table.ref(3) == 0u);
    CHECK_FALSE(table.remember(0, 5));
    CHECK_FALSE(table.remember(11, 5));
    CHECK_FALSE(table.ref(11));
}

TEST_CASE("inode map: concurrent writers and readers", "[inode_map]") {
    constexpr uint32_t count = 200000;
    InodeMap table(count, count, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&table] {
            for (uint32_t number = 1; number < count; ++number) {
                table.remember(number, uint64_t(number) << 16);
                auto ref = table.ref(number);
                if (!ref || *ref != uint64_t(number) << 16) FAIL("lost a ref");
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(table.ref(count - 1) == uint64_t(count - 1) << 16);
}
