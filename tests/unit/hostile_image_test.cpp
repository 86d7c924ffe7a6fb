// Images with random bytes garbled, walked the way the server and the image tree read them:
// every failure must be an hpc::Error (the server answers EIO), never a crash. Seeds are
// fixed, so a failure reproduces; run under AddressSanitizer for the strongest check.
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "image/squashfs/cached_file_reader.hpp"
#include "image/squashfs/squashfs_volume.hpp"
#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <random>

using hpc::image::BlockCache;
using hpc::image::CachedFileReader;
using hpc::image::DirEntry;
using hpc::image::Inode;
using hpc::image::SquashfsVolume;

namespace {

struct Walk {
    SquashfsVolume& volume;
    CachedFileReader& reader;
    int errors = 0;
    int visited = 0;

    // Everything a FUSE client could ask of each entry; errors counted, not thrown.
    void directory(const Inode& dir, int depth) {
        if (depth > 16) return;
        std::vector<std::pair<std::string, uint64_t>> entries;
        attempt([&] {
            volume.list(dir, 0, [&](const DirEntry& entry, uint64_t) {
                entries.emplace_back(entry.name, entry.ref);
                return entries.size() < 4000;
            });
        });
        for (const auto& [name, ref] : entries) {
            ++visited;
            attempt([&] {
                volume.lookup(dir, name);
                Inode inode = volume.inode(ref);
                volume.attributes(inode);
                volume.list_xattrs(inode);
                if (inode.is_directory()) directory(inode, depth + 1);
                if (inode.is_symlink()) volume.read_link(inode);
                if (inode.is_regular()) file(inode);
            });
        }
    }

    void file(const Inode& inode) {
        std::vector<char> buffer(256 << 10);
        uint64_t size = std::min<uint64_t>(inode.size(), 8 << 20);  // a garbled size may claim terabytes
        for (uint64_t offset = 0; offset < size; offset += buffer.size())
            reader.read_into(volume, inode, offset, buffer.size(), buffer.data());
    }

    template <typename Action>
    void attempt(Action action) {
        try {
            action();
        } catch (const hpc::Error&) {
            ++errors;
        }
    }
};

}  // namespace

TEST_CASE("hostile images: garbled metadata and data give errors, never a crash", "[hostile]") {
    const auto& fixture = hpc::test::ImageFixture::get();
    const std::string image = hpc::test::read_host_file(fixture.image);
    uint64_t inode_table = 0;
    std::memcpy(&inode_table, image.data() + 64, sizeof inode_table);
    hpc::test::TempDir scratch;
    int total_errors = 0;
    for (unsigned seed = 1; seed <= 12; ++seed) {
        INFO("seed " << seed);
        std::mt19937_64 random(seed);
        std::string garbled = image;
        // Mostly the metadata (inode, directory, fragment, id and xattr tables), some data too.
        for (int i = 0; i < 6; ++i) {
            uint64_t from = random() % 4 ? inode_table : 96;
            garbled[from + random() % (garbled.size() - from)] = static_cast<char>(random());
        }
        std::string path = scratch.path() + "/garbled-" + std::to_string(seed) + ".sqfs";
        hpc::test::write_host_file(path, garbled);
        hpc::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        try {
            SquashfsVolume volume(fd.get(), 0);
            BlockCache cache(16 << 20);
            CachedFileReader reader(cache, 0, volume.block_size());
            Walk walk{volume, reader};
            walk.directory(volume.root(), 0);
            total_errors += walk.errors;
        } catch (const hpc::Error& error) {
            ++total_errors;
            CHECK(error.code() == hpc::ExitCode::data);
        }
    }
    CHECK(total_errors > 0);  // the garbling did reach something
}
