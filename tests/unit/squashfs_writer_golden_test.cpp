// Reproducibility of the squashfs writer: the same tree and source_date_epoch give the same
// bytes whatever the number of threads, and the bytes of a small tree are pinned by a committed
// image, tests/golden/squashfs_writer/tree.sqfs.
//
// Why the image itself and not its digest: it is 20 KiB, and when the test fails the two can be
// compared with `sqfsdiff -a expected -b actual` or `unsquashfs -lln`, which says what changed
// (an inode's numbering, a table's order, a flag); a digest only says that something did.
// It depends on the compressor's exact output: gzip's blocks are libdeflate's at level 6
// (image/write/sqfs_compressor.cpp), whose output a libdeflate release could change. After a deliberate change of the format,
// rewrite it with HPC_UPDATE_GOLDEN=1 and say why in the commit.
#include "image/write/squashfs_writer.hpp"
#include "image_fixture.hpp"
#include "squashfs_writer_support.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

using hpc::image::SquashfsWriteOptions;
using namespace hpc::test;

namespace {

constexpr int64_t golden_epoch = 1700000000;

std::string golden_path() { return std::string(HPC_FIXTURES_DIR) + "/../golden/squashfs_writer/tree.sqfs"; }

std::string text_lines(int count) {
    std::string text;
    char line[64];
    for (int i = 0; i < count; ++i) {
        std::snprintf(line, sizeof line, "line %06d of the golden tree\n", i);
        text += line;
    }
    return text;
}

// Entries of every kind but devices (mknod needs root), contents that compress to little.
// Returns whether the host added extended attributes of its own (an SELinux label), which
// would make the image differ from the committed one.
bool make_golden_tree(const std::string& s) {
    make_directory(s, 0755);
    for (const char* dir : {"/bin", "/links"}) make_directory(s + dir, 0755);
    make_directory(s + "/data", 0750);
    make_directory(s + "/tmp", 01777);
    write_host_file(s + "/README", "squashfs golden tree\n");
    write_host_file(s + "/bin/tool", "#!/bin/sh\nexit 0\n", 04755);
    write_host_file(s + "/data/text.txt", text_lines(10000));  // 310000 bytes: two blocks and a tail
    std::string pattern(128 * 1024, '\0');
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>((i * 7) % 251);
    write_host_file(s + "/data/block.bin", pattern);
    write_host_file(s + "/data/zeros", std::string(200000, '\0'));
    write_host_file(s + "/data/empty", "");
    write_host_file(s + "/data/holey", "");
    REQUIRE(::truncate((s + "/data/holey").c_str(), 300000) == 0);
    int fd = ::open((s + "/data/holey").c_str(), O_WRONLY);
    REQUIRE(::pwrite(fd, "x", 1, 150000) == 1);
    ::close(fd);
    write_host_file(s + "/links/hard-1", "linked\n");
    REQUIRE(::link((s + "/links/hard-1").c_str(), (s + "/links/hard-2").c_str()) == 0);
    make_symlink("../README", s + "/links/rel");
    make_symlink("/bin/sh", s + "/links/abs");
    REQUIRE(::mkfifo((s + "/fifo").c_str(), 0600) == 0);
    ::chmod((s + "/fifo").c_str(), 0644);

    bool host_xattrs = false;
    std::istringstream paths(shell_output("find " + quoted(s)));
    for (std::string path; std::getline(paths, path);) {
        set_mtime(path, 1650000000);
        host_xattrs = host_xattrs || ::llistxattr(path.c_str(), nullptr, 0) > 0;
    }
    set_mtime(s + "/README", 1750000000);  // after the epoch: clamped to it
    return host_xattrs;
}

}  // namespace

TEST_CASE("squashfs writer: the same tree gives the same bytes, whatever the threads, and the committed ones",
          "[squashfs_writer]") {
    TempDir dir("hpc-sqw");
    std::string source = dir.path() + "/source";
    bool host_xattrs = make_golden_tree(source);

    std::string first;
    for (unsigned threads : {1u, 2u, 7u, 0u}) {
        INFO("threads " << threads);
        SquashfsWriteOptions options;
        options.source_date_epoch = golden_epoch;
        options.threads = threads;
        std::string image = dir.path() + "/image-" + std::to_string(threads) + ".sqfs";
        write_image(source, image, options);
        std::string bytes = read_host_file(image);
        if (first.empty()) first = bytes;
        CHECK(bytes == first);
    }

    if (std::getenv("HPC_UPDATE_GOLDEN") != nullptr) {
        write_host_file(golden_path(), first);
        WARN("rewrote " << golden_path());
    }
    if (host_xattrs) {
        WARN("this file system labels new files with xattrs: not compared with " << golden_path());
        return;
    }
    std::string expected = read_host_file(golden_path());
    if (first != expected) {
        const char* tmp = std::getenv("TMPDIR");
        std::string actual = std::string(tmp && *tmp ? tmp : "/tmp") + "/hpc-squashfs-golden-actual.sqfs";
        write_host_file(actual, first);
        FAIL("the image differs from the committed one; compare: sqfsdiff -a " << golden_path() << " -b " << actual);
    }
}
