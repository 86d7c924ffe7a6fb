// The FUSE server, mounted for real: each test forks a child that enters its own user and
// mount namespace (namespace_child.hpp), mounts an image there and checks it through the
// kernel. Skipped, with a warning, where the host allows no user namespaces or no FUSE
// mounts in them. This file: what is read; squashfs_server_lifecycle_test.cpp: what is
// written, and how the server starts and stops.
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "fuse_test_support.hpp"
#include "image/tree/image_file.hpp"
#include "image/serve/squashfs_server.hpp"
#include "image/squashfs/squashfs_volume.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

using hpc::Error;
using hpc::image::ImageFile;
using hpc::image::ServeOptions;
using hpc::image::SquashfsServer;
using namespace hpc::test;

namespace {

void check_odd_ranges(ChildReport& report, const std::string& mnt) {
    const ImageFixture& fixture = ImageFixture::get();
    const std::size_t block = fixture_block_size;
    for (const char* path : {"/big.bin", "/sparse.bin", "/dir/nested/file2"}) {
        std::string expected = read_host_file(fixture.source + path);
        int fd = ::open((mnt + path).c_str(), O_RDONLY | O_CLOEXEC);
        report.expect(fd >= 0, std::string("open ") + path);
        if (fd < 0) continue;
        for (auto [offset, size] : std::initializer_list<std::pair<std::size_t, std::size_t>>{
                 {block - 1, 3}, {2 * block + 17, 3 * block + 5}, {expected.size() - 1, 10}, {1, block},
                 {3 * block - 10, 20}, {expected.size(), 10}, {12345, 1}}) {
            std::string buffer(size, '\0');
            ssize_t got = ::pread(fd, buffer.data(), size, static_cast<off_t>(offset));
            buffer.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
            report.expect(buffer == expected.substr(std::min(offset, expected.size()), size),
                          std::string("pread ") + path + " at " + std::to_string(offset) + " size " + std::to_string(size));
        }
        ::close(fd);
    }
}

void check_attributes_and_links(ChildReport& report, const std::string& mnt) {
    const ImageFixture& fixture = ImageFixture::get();
    for (const std::string& path : fixture.regular_files) {
        struct stat source {}, served {};
        ::lstat((fixture.source + path).c_str(), &source);
        if (::lstat((mnt + path).c_str(), &served) != 0) {
            report.expect(false, "lstat " + path + ": " + errno_text(errno));
            continue;
        }
        report.expect(served.st_size == source.st_size, "size of " + path);
        report.expect(served.st_mode == source.st_mode, "mode of " + path);
        report.expect(served.st_uid == ::getuid() && served.st_gid == ::getgid(), "owner of " + path);
        report.expect(served.st_mtime == source.st_mtime, "mtime of " + path);
    }
    struct stat pipe {};
    report.expect(::lstat((mnt + "/pipe").c_str(), &pipe) == 0 && S_ISFIFO(pipe.st_mode), "/pipe is a fifo");
    struct stat big {}, link {};
    ::stat((mnt + "/big.bin").c_str(), &big);
    ::stat((mnt + "/dir/big-link").c_str(), &link);
    report.expect(big.st_ino == link.st_ino && big.st_ino != 0, "hard links share st_ino");
    report.expect(big.st_nlink == 2, "a hard-linked file has st_nlink 2");
    struct stat root {};
    report.expect(::stat(mnt.c_str(), &root) == 0 && S_ISDIR(root.st_mode), "the root is a directory");

    for (const char* path : {"/rel-link", "/abs-link", "/escape", "/dir/up", "/dir/nested/chain", "/dangling",
                             "/loop-a"}) {
        char source[4096] = {}, served[4096] = {};
        ssize_t source_size = ::readlink((fixture.source + path).c_str(), source, sizeof source);
        ssize_t served_size = ::readlink((mnt + path).c_str(), served, sizeof served);
        report.expect(served_size == source_size && std::memcmp(source, served, sizeof source) == 0,
                      std::string("readlink ") + path + " gave " + std::string(served, served_size > 0 ? served_size : 0));
    }
    // Relative links resolve inside the mount as the kernel walks them.
    report.expect(slurp(mnt + "/dir/nested/chain") == read_host_file(fixture.source + "/dir/nested/file2"),
                  "following a chain of relative links");

    for (int i = 0; i < huge_directory_entries; i += 3) {
        char name[64];
        std::snprintf(name, sizeof name, "/huge/an-entry-with-a-rather-long-name-%04d", i);
        struct stat st {};
        report.expect(::lstat((mnt + name).c_str(), &st) == 0, std::string("lookup of ") + name);
        report.expect(::lstat((mnt + name + "a").c_str(), &st) != 0 && errno == ENOENT,
                      std::string("no entry ") + name + "a");
    }
    for (const char* dir : {"", "/etc", "/dir", "/dir/nested", "/many", "/private", "/huge"}) {
        std::vector<std::string> served = names_in(mnt + dir);
        report.expect(std::count(served.begin(), served.end(), ".") == 1 && std::count(served.begin(), served.end(), "..") == 1,
                      std::string("listing of ") + dir + "/ has . and ..");
        report.expect(without_dots(served) == without_dots(names_in(fixture.source + dir)),
                      std::string("listing of ") + dir + "/ is complete");
    }
    if (fixture.has_xattr) {
        char value[64] = {};
        ssize_t size = ::getxattr((mnt + "/small.txt").c_str(), "user.hpc-test", value, sizeof value);
        report.expect(size == 5 && std::string(value, 5) == "value", "getxattr user.hpc-test");
        char names[256] = {};
        ssize_t listed = ::listxattr((mnt + "/small.txt").c_str(), names, sizeof names);
        report.expect(listed > 0 && std::string(names, static_cast<std::size_t>(listed)).find("user.hpc-test") != std::string::npos,
                      "listxattr names user.hpc-test");
        report.expect(::getxattr((mnt + "/empty").c_str(), "user.hpc-test", value, sizeof value) < 0 && errno == ENODATA,
                      "a missing xattr is ENODATA");
    }
    struct statvfs fs {};
    report.expect(::statvfs(mnt.c_str(), &fs) == 0 && fs.f_bsize == fixture_block_size, "statfs block size");
}

}  // namespace

TEST_CASE("squashfs server: serves contents, attributes, links and listings, decodes each block once per page cache",
          "[fuse]") {
    ImageFixture::get();  // made here, not in the child
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(child, ImageFixture::get().image, mnt, [&](SquashfsServer& server) {
            // Before any read, attributes come from lookups; after one, from getattr (a read
            // makes the kernel fetch atime, and so all attributes, again).
            check_attributes_and_links(child, mnt);
            read_everything_in_parallel(child, mnt);
            auto first = server.stats();
            child.expect(first.threads >= 2, "at least two worker threads");
            child.expect(decodes_first_asked(first) == expected_decodes(),
                         "first pass decoded " + std::to_string(decodes_first_asked(first)) + " blocks, the image has " +
                             std::to_string(expected_decodes()));
            check_odd_ranges(child, mnt);
            check_attributes_and_links(child, mnt);

            drop_page_cache(mnt);
            auto before = server.stats();
            read_everything_in_parallel(child, mnt);
            auto second = server.stats();
            child.expect(second.read_requests > before.read_requests, "the second pass reached the server");
            // What the kernel was served whole is not kept twice: with its pages gone, each
            // block is decoded again, as the kernel's squashfs would. (A block decoded again
            // before, for a few bytes the kernel asked for once more, may still be held.)
            uint64_t second_decodes = second.blocks_decoded - before.blocks_decoded;
            child.expect(second_decodes + before.blocks_decoded_again >= expected_decodes(),
                         "the second pass decoded " + std::to_string(second_decodes) + " blocks, the image has " +
                             std::to_string(expected_decodes()));
            child.expect(second.cache_evictions == 0, "nothing was evicted");
        });
    }));
}


TEST_CASE("squashfs server: a corrupt image fails requests with EIO and keeps serving", "[fuse]") {
    const ImageFixture& fixture = ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    // The first metadata block of the inode table garbled, as in the image tree test.
    std::string bytes = read_host_file(fixture.image);
    uint64_t inode_table = 0;
    std::memcpy(&inode_table, bytes.data() + 64, sizeof inode_table);
    for (std::size_t i = inode_table + 2; i < inode_table + 66; ++i) bytes[i] = static_cast<char>(0x55);
    std::string damaged = mountpoint.scratch.path() + "/damaged.sqfs";
    hpc::test::write_host_file(damaged, bytes);

    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(child, damaged, mnt, [&](SquashfsServer&) {
            child.expect(without_dots(names_in(mnt)) == without_dots(names_in(fixture.source)),
                         "the root still lists every name");
            int failed = 0, served = 0;
            for (const std::string& path : fixture.regular_files) {
                std::optional<std::string> content = slurp(mnt + path);
                if (!content) {
                    ++failed;
                    child.expect(errno == EIO, path + " failed with " + errno_text(errno) + ", not EIO");
                } else {
                    ++served;
                    child.expect(*content == read_host_file(fixture.source + path), "content of " + path);
                }
            }
            child.expect(failed > 0, "some files are unreadable");
            child.expect(served > 0, "the others are still served");
            struct stat st {};
            child.expect(::stat(mnt.c_str(), &st) == 0, "the server still answers");
        });
    }));
}


namespace {

// The compressed first data block of the image's file `path` overwritten with 0xff bytes, which
// no decompressor takes for a stream; returns the message the server's failure must carry.
std::string garble_first_block(const std::string& image, const std::string& path) {
    hpc::UniqueFd fd(::open(image.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) throw std::runtime_error("cannot open " + image);
    hpc::image::SquashfsVolume volume(fd.get(), 0);
    std::optional<hpc::image::Inode> file = volume.find(path);
    if (!file) throw std::runtime_error(path + " is not in " + image);
    std::vector<hpc::image::BlockLocation> blocks;
    volume.locate(*file, 0, 1, blocks);
    constexpr uint32_t uncompressed_bit = 1u << 24;  // SQUASHFS_COMPRESSED_BIT_BLOCK
    if (blocks.size() != 1 || blocks[0].kind != hpc::image::BlockLocation::Kind::data ||
        (blocks[0].header & uncompressed_bit))
        throw std::runtime_error(path + " does not start with a compressed data block");
    std::string garbage(blocks[0].header & ~uncompressed_bit, '\xff');
    if (::pwrite(fd.get(), garbage.data(), garbage.size(), static_cast<off_t>(blocks[0].position)) !=
        static_cast<ssize_t>(garbage.size()))
        throw std::runtime_error("cannot write " + image);
    return "corrupt data block at byte " + std::to_string(blocks[0].position) + " (does not decompress)";
}

}  // namespace

TEST_CASE("squashfs server: counts the requests a corrupt block fails and keeps the first cause, not ordinary errors",
          "[fuse]") {
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    // Three files of text (they compress) of several blocks each, none the same (mksquashfs would
    // store twins once): two to garble, one that stays whole; and a small one.
    std::string source = mountpoint.scratch.path() + "/source";
    REQUIRE(::mkdir(source.c_str(), 0755) == 0);
    std::string text;
    for (int line = 0; line < 40000; ++line) text += "line " + std::to_string(line) + " of a file that compresses\n";
    write_host_file(source + "/first.txt", text);
    write_host_file(source + "/second.txt", "second " + text);
    write_host_file(source + "/whole.txt", "whole " + text);
    write_host_file(source + "/small.txt", "small\n");
    std::string image = mountpoint.scratch.path() + "/garbled.sqfs";
    REQUIRE(run_command({"mksquashfs", source, image, "-noappend", "-quiet", "-no-progress"}) == 0);
    std::string first_cause = garble_first_block(image, "/first.txt");
    std::string second_cause = garble_first_block(image, "/second.txt");
    REQUIRE(first_cause != second_cause);

    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(child, image, mnt, [&](SquashfsServer& server) {
            // The file system's ordinary answers are no failures: each of these reaches the server
            // (the kernel answers ENOENT, ENOTDIR and a sealed mount's EROFS itself). Opened for
            // writing before any open for reading, whose ENOSYS makes the kernel stop asking.
            child.expect(::open((mnt + "/small.txt").c_str(), O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS,
                         "opening for writing is EROFS: " + errno_text(errno));
            char value[8];
            child.expect(::getxattr((mnt + "/small.txt").c_str(), "user.none", value, sizeof value) < 0 &&
                             (errno == EOPNOTSUPP || errno == ENODATA),
                         "a missing xattr: " + errno_text(errno));
            child.expect(slurp(mnt + "/small.txt") == std::string("small\n"), "a small file reads");
            child.expect(server.failures().count == 0,
                         "ordinary answers counted as failures: " + server.failures().first);

            std::optional<std::string> first = slurp(mnt + "/first.txt");
            int first_errno = errno;
            child.expect(!first && first_errno == EIO, "reading first.txt: " + errno_text(first ? 0 : first_errno));
            hpc::image::ServeFailures after_first = server.failures();
            child.expect(after_first.count >= 1, "the failed read is counted");
            child.expect(after_first.first == first_cause, "the first cause is \"" + after_first.first + "\", not \"" +
                                                               first_cause + "\"");

            child.expect(slurp(mnt + "/whole.txt") == "whole " + text, "another file of several blocks still reads");
            child.expect(server.failures().count == after_first.count, "a read that succeeds counts nothing");

            child.expect(!slurp(mnt + "/second.txt"), "reading second.txt fails");
            hpc::image::ServeFailures after_second = server.failures();
            child.expect(after_second.count > after_first.count, "the second file's failure is counted too");
            child.expect(after_second.first == first_cause, "the first cause stays: " + after_second.first);
        });
    }));
}


TEST_CASE("squashfs server: prefetching decodes a file ahead of its first read, and still each block once",
          "[fuse]") {
    ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    ServeOptions options;
    options.prefetch_threads = 2;  // on any machine, however few its CPUs
    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(
            child, ImageFixture::get().image, mnt,
            [&](SquashfsServer& server) {
                // Its first byte read (the kernel sends no open: the first read is the first the
                // server hears of the file): the other nine blocks of big.bin are decoded ahead.
                int fd = ::open((mnt + "/big.bin").c_str(), O_RDONLY | O_CLOEXEC);
                child.expect(fd >= 0, "open /big.bin");
                char first = 0;
                child.expect(::pread(fd, &first, 1, 0) == 1, "read big.bin's first byte");
                auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                while (server.stats().blocks_decoded < 10 && std::chrono::steady_clock::now() < deadline)
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                auto ahead = server.stats();
                child.expect(ahead.blocks_decoded_ahead >= 9 && ahead.blocks_decoded == 10,
                             "decoded ahead " + std::to_string(ahead.blocks_decoded_ahead) + " of big.bin's 10 blocks, " +
                                 std::to_string(ahead.blocks_decoded) + " in all");
                std::string content(1 << 21, '\0');
                ssize_t got = ::read(fd, content.data(), content.size());
                content.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
                ::close(fd);
                child.expect(content == read_host_file(ImageFixture::get().source + "/big.bin"), "content of /big.bin");
                child.expect(server.stats().blocks_decoded == 10, "reading it decoded nothing more");

                read_everything_in_parallel(child, mnt);
                child.expect(decodes_first_asked(server.stats()) == expected_decodes(),
                             "with prefetching, decoded " + std::to_string(decodes_first_asked(server.stats())) +
                                 " blocks, the image has " + std::to_string(expected_decodes()));
            },
            options);
    }));
}


TEST_CASE("squashfs server: serves a SIF's squashfs partition at its offset", "[fuse]") {
    const ImageFixture& fixture = ImageFixture::get();
    if (fixture.sif.empty()) {
        WARN("SKIPPED: siftool is not installed; no SIF to serve");
        return;
    }
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(child, fixture.sif, mnt, [&](SquashfsServer& server) {
            read_everything_in_parallel(child, mnt);
            child.expect(without_dots(names_in(mnt + "/many")) == without_dots(names_in(fixture.source + "/many")),
                         "listing of /many");
            child.expect(decodes_first_asked(server.stats()) == expected_decodes(), "each block decoded once");
        });
    }));
}


TEST_CASE("squashfs server: an unsupported compression is a data error that names it", "[squashfs_server]") {
    const ImageFixture& fixture = ImageFixture::get();
    TempDir scratch;
    for (auto [code, expected] : std::initializer_list<std::pair<uint16_t, const char*>>{
             {2, "compressed with lzma, which this libsquashfuse cannot decompress"},
             {7, "unknown compression type 7"}}) {
        std::string bytes = read_host_file(fixture.image);
        std::memcpy(bytes.data() + 20, &code, sizeof code);  // the superblock's compression field
        std::string path = scratch.path() + "/compression-" + std::to_string(code) + ".sqfs";
        hpc::test::write_host_file(path, bytes);
        try {
            // Refused when the image is opened, which reads its tables through libsquashfuse.
            ImageFile image = ImageFile::open(path);
            SquashfsServer server(image);
            FAIL_CHECK("compression " << code << " was accepted");
        } catch (const Error& error) {
            CHECK(error.code() == hpc::ExitCode::data);
            CHECK(std::string(error.what()) == path + ": " + expected);
        }
    }
}

TEST_CASE("squashfs server: an image without xattrs tells the kernel to stop asking", "[fuse]") {
    const ImageFixture& fixture = ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    std::string image = mountpoint.scratch.path() + "/no-xattrs.sqfs";
    REQUIRE(run_command({"mksquashfs", fixture.source, image, "-noappend", "-quiet", "-no-progress", "-no-xattrs"}) == 0);
    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(child, image, mnt, [&](SquashfsServer&) {
            char value[16];
            for (int i = 0; i < 2; ++i) {
                errno = 0;
                child.expect(::getxattr((mnt + "/small.txt").c_str(), "security.capability", value, sizeof value) < 0 &&
                                 errno == EOPNOTSUPP,
                             "getxattr on an image without xattrs: " + errno_text(errno));
            }
            child.expect(slurp(mnt + "/small.txt") == std::string("hello\n"), "the file still reads");
        });
    }));
}
