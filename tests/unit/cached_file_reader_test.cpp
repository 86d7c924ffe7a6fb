#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "image/squashfs/cached_file_reader.hpp"
#include "image/squashfs/squashfs_volume.hpp"
#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>

#include <algorithm>
#include <random>
#include <thread>

using hpc::image::BlockCache;
using hpc::image::CachedFileReader;
using hpc::image::Inode;
using hpc::image::SquashfsVolume;
using hpc::test::fixture_block_size;
using hpc::test::ImageFixture;
using hpc::test::read_host_file;

namespace {

Inode inode_at(SquashfsVolume& volume, const std::string& path) {
    Inode at = volume.root();
    std::size_t start = 1;
    while (start < path.size()) {
        std::size_t end = std::min(path.find('/', start), path.size());
        auto entry = volume.lookup(at, std::string_view(path).substr(start, end - start));
        if (!entry) throw std::runtime_error("missing " + path);
        at = volume.inode(entry->ref);
        start = end + 1;
    }
    return at;
}

std::string read_range(CachedFileReader& reader, SquashfsVolume& volume, const Inode& file, uint64_t offset,
                       std::size_t size) {
    std::string out(size, '\0');
    out.resize(reader.read_into(volume, file, offset, size, out.data()));
    return out;
}

struct OpenImage {
    hpc::UniqueFd fd{::open(ImageFixture::get().image.c_str(), O_RDONLY | O_CLOEXEC)};
};

uint64_t expected_decodes() {
    const ImageFixture& fixture = ImageFixture::get();
    return fixture.expected_data_blocks + hpc::test::superblock_fragments(fixture.image);
}

}  // namespace

TEST_CASE("cached reads: every file, and ranges that cross block boundaries, match the source", "[cached_reads]") {
    const ImageFixture& fixture = ImageFixture::get();
    OpenImage image;
    SquashfsVolume volume(image.fd.get(), 0);
    BlockCache cache(64 << 20);
    CachedFileReader reader(cache, 0, volume.block_size());

    for (const std::string& path : fixture.regular_files) {
        INFO("file " << path);
        std::string expected = read_host_file(fixture.source + path);
        Inode file = inode_at(volume, path);
        CHECK(read_range(reader, volume, file, 0, expected.size() + 100) == expected);
        CHECK(read_range(reader, volume, file, expected.size(), 10).empty());
    }

    std::string big = read_host_file(fixture.source + "/big.bin");
    Inode file = inode_at(volume, "/big.bin");
    const std::size_t block = fixture_block_size;
    for (auto [offset, size] : std::initializer_list<std::pair<std::size_t, std::size_t>>{
             {block - 1, 3}, {2 * block + 17, 3 * block + 5}, {big.size() - 1, 10}, {1, block}, {block, block},
             {9 * block - 7, 100}, {12345, 1}}) {
        INFO("offset " << offset << " size " << size);
        CHECK(read_range(reader, volume, file, offset, size) == big.substr(offset, size));
    }
    // Backwards, so that no walk can simply continue from the last one.
    for (auto offset = static_cast<int64_t>(big.size()) - 1; offset >= 0; offset -= 77777) {
        auto at = static_cast<std::size_t>(offset);
        CHECK(read_range(reader, volume, file, at, 4097) == big.substr(at, 4097));
    }

    std::string sparse = read_host_file(fixture.source + "/sparse.bin");
    Inode sparse_file = inode_at(volume, "/sparse.bin");
    CHECK(read_range(reader, volume, sparse_file, 3 * block - 10, 20) == sparse.substr(3 * block - 10, 20));
}

TEST_CASE("cached reads: each block is decompressed once, the second pass only hits", "[cached_reads]") {
    const ImageFixture& fixture = ImageFixture::get();
    OpenImage image;
    SquashfsVolume volume(image.fd.get(), 0);
    BlockCache cache(64 << 20);
    CachedFileReader reader(cache, 0, volume.block_size());
    auto read_everything = [&] {
        for (const std::string& path : fixture.regular_files) {
            Inode file = inode_at(volume, path);
            // In uneven pieces, so that blocks are asked for several times within a pass too.
            for (uint64_t offset = 0; offset < file.size(); offset += 50000) read_range(reader, volume, file, offset, 50000);
        }
    };
    read_everything();
    auto first = cache.stats();
    CHECK(first.decoded == expected_decodes());
    CHECK(first.failed == 0);
    read_everything();
    auto second = cache.stats();
    CHECK(second.decoded == first.decoded);
    CHECK(second.hits > first.hits);
    CHECK(second.evicted == 0);
}

TEST_CASE("cached reads: threads with their own volumes share the cache and decode each block once",
          "[cached_reads]") {
    const ImageFixture& fixture = ImageFixture::get();
    OpenImage image;
    BlockCache cache(64 << 20);
    CachedFileReader reader(cache, 0, fixture_block_size);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            SquashfsVolume volume(image.fd.get(), 0);
            std::vector<std::string> order = fixture.regular_files;
            std::shuffle(order.begin(), order.end(), std::mt19937(t));
            for (const std::string& path : order) {
                std::string expected = read_host_file(fixture.source + path);
                if (read_range(reader, volume, inode_at(volume, path), 0, expected.size()) != expected) ++mismatches;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(mismatches == 0);
    CHECK(cache.stats().decoded == expected_decodes());
}

TEST_CASE("cached reads: a bad block header is a data error, not a crash", "[cached_reads]") {
    OpenImage image;
    SquashfsVolume volume(image.fd.get(), 0);
    CHECK_THROWS_AS(volume.read_block(0, 0), hpc::Error);                         // sparse is not a block
    CHECK_THROWS_AS(volume.read_block(0, volume.block_size() + 1), hpc::Error);   // larger than a block
    CHECK_THROWS_AS(volume.read_block(volume.bytes_used() - 10, 100), hpc::Error);  // past the end
    try {
        volume.read_block(96, 4096);  // compressed flag clear: zlib over whatever lies there
    } catch (const hpc::Error& error) {
        CHECK(error.code() == hpc::ExitCode::data);
    }
}
