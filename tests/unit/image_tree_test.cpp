#include "common/error.hpp"
#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "image/tree/squashfs_tree.hpp"
#include "image/squashfs/squashfs_volume.hpp"
#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <variant>

using hpc::Error;
using hpc::ExitCode;
using hpc::image::EntryKind;
using hpc::image::ImageFile;
using hpc::image::ImageTree;
using hpc::test::ImageFixture;
using hpc::test::read_host_file;

namespace {

struct Trees {
    ImageFile squashfs_image = ImageFile::open(ImageFixture::get().image);
    ImageFile directory_image = ImageFile::open(ImageFixture::get().source);
    std::unique_ptr<ImageTree> squashfs = hpc::image::open_tree(squashfs_image);
    std::unique_ptr<ImageTree> directory = hpc::image::open_tree(directory_image);
};

// One query's answer, or the errno of the hpc::Error it threw, so answers compare as values.
template <typename T>
using Answer = std::variant<T, int>;

template <typename Query>
auto answer(Query query) -> Answer<decltype(query())> {
    try {
        return query();
    } catch (const Error& error) {
        return error.sys_errno() ? error.sys_errno() : -1;
    }
}

std::string describe(const std::optional<hpc::image::EntryInfo>& info) {
    if (!info) return "missing";
    // A directory's size is the file system's own business (ext4 says 4096, squashfs its listing).
    std::string size = info->kind == EntryKind::directory ? "" : " " + std::to_string(info->size);
    return std::to_string(static_cast<int>(info->kind)) + " " + std::to_string(info->mode) + size;
}

const std::vector<std::string> probe_paths = {
    "/", "/small.txt", "/empty", "/big.bin", "/sparse.bin", "/one-block.bin", "/dir", "/dir/", "/dir/big-link",
    "/dir/nested/file2", "/dir/mode750", "/private", "/private/secret", "/rel-link", "/abs-link", "/escape",
    "/escape/passwd", "/escape/../small.txt", "/dir/up", "/dir/nested/chain", "/dangling", "/loop-a", "/pipe",
    "/many", "/many/f000", "/many/f299", "/missing", "/dir/missing/deeper", "/small.txt/below", "/../../small.txt",
    "/dir/./nested/../nested/file2", "relative/../small.txt", "/etc/passwd", "/rel-link/",
};

}  // namespace

TEST_CASE("image tree: squashfs and directory images give the same answers", "[image_tree]") {
    Trees trees;
    for (const std::string& path : probe_paths) {
        INFO("path " << path);
        for (bool follow : {true, false}) {
            auto from_squashfs = answer([&] { return describe(trees.squashfs->stat(path, follow)); });
            auto from_directory = answer([&] { return describe(trees.directory->stat(path, follow)); });
            CHECK(from_squashfs == from_directory);
        }
        CHECK(answer([&] { return trees.squashfs->read_file(path); }) ==
              answer([&] { return trees.directory->read_file(path); }));
        CHECK(answer([&] { return trees.squashfs->list_directory(path); }) ==
              answer([&] { return trees.directory->list_directory(path); }));
        CHECK(answer([&] { return trees.squashfs->read_link(path); }) ==
              answer([&] { return trees.directory->read_link(path); }));
    }
}

TEST_CASE("image tree: a SIF's squashfs partition, at its offset, reads like the bare squashfs", "[image_tree]") {
    const ImageFixture& fixture = ImageFixture::get();
    if (fixture.sif.empty()) {
        WARN("SKIPPED: siftool is not installed; no SIF to read");
        return;
    }
    ImageFile sif_image = ImageFile::open(fixture.sif);
    REQUIRE(sif_image.format() == hpc::image::ImageFormat::sif);
    REQUIRE(sif_image.squashfs().offset > 0);
    Trees trees;
    auto sif = hpc::image::open_tree(sif_image);
    for (const std::string& path : probe_paths) {
        INFO("path " << path);
        CHECK(answer([&] { return describe(sif->stat(path, false)); }) ==
              answer([&] { return describe(trees.squashfs->stat(path, false)); }));
        CHECK(answer([&] { return sif->read_file(path); }) == answer([&] { return trees.squashfs->read_file(path); }));
        CHECK(answer([&] { return sif->list_directory(path); }) ==
              answer([&] { return trees.squashfs->list_directory(path); }));
    }
    CHECK(sif->read_file("/big.bin") == read_host_file(fixture.source + "/big.bin"));
}

TEST_CASE("image tree: contents, links and listings of a squashfs image", "[image_tree]") {
    const ImageFixture& fixture = ImageFixture::get();
    Trees trees;
    for (ImageTree* tree : {trees.squashfs.get(), trees.directory.get()}) {
        for (const std::string& file : fixture.regular_files) {
            INFO("file " << file);
            CHECK(tree->read_file(file) == read_host_file(fixture.source + file));
        }
        CHECK(tree->read_file("/empty") == std::string());
        CHECK(tree->read_file("/abs-link") == "hello\n");
        CHECK(tree->read_file("/dir/up") == "hello\n");
        CHECK(tree->read_file("/dir/nested/chain") == read_host_file(fixture.source + "/dir/nested/file2"));
        CHECK(tree->read_file("/sparse.bin")->substr(0, 3 * hpc::test::fixture_block_size) ==
              std::string(3 * hpc::test::fixture_block_size, '\0'));

        // ../../../etc climbs to the image root and no further: it is the image's /etc.
        CHECK(tree->read_link("/escape") == "../../../etc");
        CHECK(tree->stat("/escape")->kind == EntryKind::directory);
        CHECK(tree->stat("/escape", false)->kind == EntryKind::symlink);
        CHECK(tree->list_directory("/escape") == std::vector<std::string>{"passwd"});
        CHECK(tree->read_file("/escape/passwd") == read_host_file(fixture.source + "/etc/passwd"));

        CHECK_FALSE(tree->stat("/dangling"));
        CHECK(tree->stat("/dangling", false)->kind == EntryKind::symlink);
        CHECK(tree->stat("/pipe")->kind == EntryKind::other);
        CHECK((tree->stat("/dir/mode750")->mode & 07777) == 0750);
        CHECK((tree->stat("/private")->mode & 07777) == 0700);
        CHECK(tree->stat("/big.bin")->size == 9 * hpc::test::fixture_block_size + 120353);

        std::vector<std::string> many = tree->list_directory("/many");
        REQUIRE(many.size() == 300);
        CHECK(many.front() == "f000");
        CHECK(many.back() == "f299");
        CHECK(std::is_sorted(many.begin(), many.end()));
        std::vector<std::string> huge = tree->list_directory("/huge");
        CHECK(huge.size() == hpc::test::huge_directory_entries);
        for (int i = 0; i < hpc::test::huge_directory_entries; i += 7) {
            char name[64];
            std::snprintf(name, sizeof name, "/huge/an-entry-with-a-rather-long-name-%04d", i);
            INFO(name);
            CHECK(tree->stat(name));
            CHECK_FALSE(tree->stat(std::string(name) + "a"));  // sorts between two entries
        }
        CHECK(tree->stat("/huge/an-entry-with-a-rather-long-name-2499"));
        CHECK_FALSE(tree->stat("/huge/a"));
        CHECK_FALSE(tree->stat("/huge/zzz"));
        CHECK(tree->list_directory("/small.txt").empty());
        CHECK(tree->list_directory("/missing").empty());
        CHECK_FALSE(tree->read_file("/dir"));
        CHECK_FALSE(tree->read_file("/missing"));
        CHECK_FALSE(tree->read_link("/small.txt"));

        try {
            tree->stat("/loop-a");
            FAIL("a symlink loop resolved");
        } catch (const Error& error) {
            CHECK(error.sys_errno() == ELOOP);
        }
        try {
            tree->read_file("/big.bin", 1000);
            FAIL("a file over the limit was read");
        } catch (const Error& error) {
            CHECK(error.code() == ExitCode::data);
            CHECK(std::string(error.what()).find("reading /big.bin in the image") != std::string::npos);
        }
    }
}

TEST_CASE("image tree: a corrupt squashfs gives data errors naming the path, never a crash", "[image_tree]") {
    const ImageFixture& fixture = ImageFixture::get();
    hpc::test::TempDir scratch;
    std::string image = read_host_file(fixture.image);
    // Garble the start of the first (compressed) metadata block of the inode table: the
    // inodes in it no longer decompress. The root inode is written last, in a later block.
    uint64_t inode_table = 0;
    std::memcpy(&inode_table, image.data() + 64, sizeof inode_table);
    for (std::size_t i = inode_table + 2; i < inode_table + 66; ++i) image[i] = static_cast<char>(0x55);
    std::string damaged = scratch.path() + "/damaged.sqfs";
    hpc::test::write_host_file(damaged, image);

    ImageFile file = ImageFile::open(damaged);
    auto tree = hpc::image::open_tree(file);
    int failures = 0;
    for (const std::string& path : fixture.regular_files) {
        try {
            tree->read_file(path);
        } catch (const Error& error) {
            ++failures;
            CHECK(error.code() == ExitCode::data);
            std::string message = error.what();
            CHECK(message.find("reading " + path + " in the image: corrupt") != std::string::npos);
        }
    }
    CHECK(failures > 0);
}

TEST_CASE("image tree: a file that is no squashfs is refused as data", "[image_tree]") {
    hpc::test::TempDir scratch;
    std::string path = scratch.path() + "/garbage";
    hpc::test::write_host_file(path, std::string(4096, 'g'));
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    try {
        hpc::image::open_squashfs_tree(fd, 0);
        FAIL("garbage opened as squashfs");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::data);
        CHECK(std::string(error.what()).find("not a squashfs") != std::string::npos);
    }
    ::close(fd);
}
