// The squashfs writer, checked with the reference tools (unsquashfs) and the project's own
// reader: every kind of entry, file contents at block boundaries, hard links, xattrs, times,
// an image at an offset, compressors, progress.
#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "image/squashfs/squashfs_volume.hpp"
#include "image/write/squashfs_writer.hpp"
#include "image_fixture.hpp"
#include "squashfs_writer_support.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <sstream>
#include <thread>

using hpc::ExitCode;
using hpc::image::SquashfsWriteOptions;
using hpc::image::SquashfsWriteProgress;
using namespace hpc::test;

namespace {

constexpr uint32_t block = 128 * 1024;
constexpr int64_t tree_time = 1600000000;  // 2020-09-13 12:26:40 UTC
constexpr int64_t old_time = 1400000000;   // 2014-05-13 16:53:20 UTC: before the epoch below
constexpr int64_t epoch = 1500000000;      // 2017-07-14 02:40:00 UTC

struct Tree {
    TempDir dir{"hpc-sqw"};
    std::string source = dir.path() + "/source";
    bool devices = false;  // mknod worked (root)
    bool xattrs = false;   // user.* xattrs were set
};

void make_socket(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof address.sun_path);
    std::strcpy(address.sun_path, path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
    ::chmod(path.c_str(), 0755);
}

// Every kind of entry squashfs stores, files at and around block boundaries, times that the
// epoch clamps and one it leaves.
void fill_tree(Tree& tree) {
    const std::string& s = tree.source;
    make_directory(s, 0755);
    for (const char* dir : {"/dir", "/dir/nested", "/other", "/links", "/many"}) make_directory(s + dir, 0755);
    make_directory(s + "/sticky", 01777);
    make_directory(s + "/setgid", 02750);
    write_host_file(s + "/empty", "");
    write_host_file(s + "/small.txt", "hello squashfs\n");
    write_host_file(s + "/multi.bin", random_bytes(3 * block + block / 2, 1), 0640);
    write_host_file(s + "/one-block.bin", random_bytes(block, 2));
    write_host_file(s + "/two-blocks.bin", random_bytes(2 * block, 3));
    write_host_file(s + "/zeros.bin", std::string(2 * block + 1000, '\0'));
    write_host_file(s + "/setuid-tool", "#!/bin/sh\necho hi\n", 04755);
    write_host_file(s + "/setgid/inside", "in a setgid directory\n", 0600);
    write_host_file(s + "/dir/nested/deep.txt", "deep\n");
    write_host_file(s + "/dir/hard-a", "two names, one inode\n");
    REQUIRE(::link((s + "/dir/hard-a").c_str(), (s + "/other/hard-b").c_str()) == 0);
    // A sparse file: a hole, some data in its third block, a hole to its end.
    write_host_file(s + "/sparse.bin", "");
    REQUIRE(::truncate((s + "/sparse.bin").c_str(), 8 * block) == 0);
    {
        int fd = ::open((s + "/sparse.bin").c_str(), O_WRONLY);
        std::string data = random_bytes(5000, 4);
        REQUIRE(::pwrite(fd, data.data(), data.size(), 2 * block + 100) == 5000);
        ::close(fd);
    }
    make_symlink("../small.txt", s + "/links/relative");
    make_symlink("/etc/passwd", s + "/links/absolute");
    make_symlink("nowhere", s + "/links/dangling");
    REQUIRE(::mkfifo((s + "/fifo").c_str(), 0600) == 0);
    ::chmod((s + "/fifo").c_str(), 0640);
    make_socket(s + "/socket");
    tree.devices = ::mknod((s + "/char-device").c_str(), S_IFCHR | 0620, makedev(1, 3)) == 0 &&
                   ::mknod((s + "/block-device").c_str(), S_IFBLK | 0600, makedev(7, 0)) == 0;
    for (int i = 0; i < 250; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "/many/f%03d", i);
        write_host_file(s + name, "file " + std::to_string(i) + "\n");
    }
    if (user_xattrs_supported(tree.dir.path())) {
        std::string long_value(1000, 'v');
        tree.xattrs = ::setxattr((s + "/small.txt").c_str(), "user.hpc-test", "value", 5, 0) == 0 &&
                      ::setxattr((s + "/small.txt").c_str(), "user.long", long_value.data(), long_value.size(), 0) == 0 &&
                      ::setxattr((s + "/dir").c_str(), "user.on-a-dir", "d", 1, 0) == 0;
    }
    // Times last: making entries changes their directory's.
    std::string paths = shell_output("find " + quoted(s));
    std::istringstream lines(paths);
    for (std::string path; std::getline(lines, path);) set_mtime(path, tree_time);
    set_mtime(s + "/small.txt", old_time);
}

std::string mode_string(mode_t mode) {
    const char* types = "?pc?d?b?-?l?s???";
    std::string text(1, types[(mode & S_IFMT) >> 12]);
    const char* rwx = "rwxrwxrwx";
    for (int bit = 0; bit < 9; ++bit) text += (mode & (0400 >> bit)) ? rwx[bit] : '-';
    auto special = [&](int at, mode_t flag, char set) {
        bool executable = text[at] != '-';
        if (mode & flag) text[at] = executable ? set : static_cast<char>(std::toupper(set));
    };
    special(3, S_ISUID, 's');
    special(6, S_ISGID, 's');
    special(9, S_ISVTX, 't');
    return text;
}

std::string utc_minute(int64_t seconds) {
    time_t time = static_cast<time_t>(seconds);
    struct tm parts {};
    ::gmtime_r(&time, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &parts);
    return text;
}

// What `unsquashfs -lln` should print for the host tree: "mode owner size time path [-> target]"
// per entry, sorted; a directory's size is squashfs's own (its listing), so it is left out.
void expected_listing(const std::string& host, const std::string& shown, std::map<std::string, std::string>& out) {
    struct stat info {};
    REQUIRE(::lstat(host.c_str(), &info) == 0);
    std::string size = std::to_string(info.st_size);
    if (S_ISDIR(info.st_mode)) size = "-";
    if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode))
        size = std::to_string(major(info.st_rdev)) + "," + std::to_string(minor(info.st_rdev));
    if (S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode)) size = "0";
    std::string line = mode_string(info.st_mode) + " 0/0 " + size + " " +
                       utc_minute(std::min<int64_t>(info.st_mtim.tv_sec, epoch)) + " " + shown;
    if (S_ISLNK(info.st_mode)) {
        char target[4096];
        ssize_t length = ::readlink(host.c_str(), target, sizeof target);
        line += " -> " + std::string(target, static_cast<std::size_t>(length));
    }
    out[shown] = line;
    if (!S_ISDIR(info.st_mode)) return;
    DIR* dir = ::opendir(host.c_str());
    REQUIRE(dir != nullptr);
    while (const dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") expected_listing(host + "/" + name, shown + "/" + name, out);
    }
    ::closedir(dir);
}

std::map<std::string, std::string> unsquashfs_listing(const std::string& image) {
    int status = -1;
    std::string output = shell_output("TZ=UTC unsquashfs -lln -d root " + quoted(image), &status);
    REQUIRE(status == 0);
    std::map<std::string, std::string> entries;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string mode, owner, size, date, time, rest;
        fields >> mode >> owner >> size;
        if (!size.empty() && size.back() == ',') {  // a device: "1,  3"
            std::string minor_number;
            fields >> minor_number;
            size += minor_number;
        }
        if (mode.front() == 'd') size = "-";
        fields >> date >> time;
        std::getline(fields >> std::ws, rest);
        std::string path = rest.substr(0, rest.find(" -> "));
        entries[path] = mode + " " + owner + " " + size + " " + date + " " + time + " " + rest;
    }
    return entries;
}

std::string joined(const std::map<std::string, std::string>& entries) {
    std::string text;
    for (const auto& [path, line] : entries) text += line + "\n";
    return text;
}

SquashfsWriteOptions reproducible() {
    SquashfsWriteOptions options;
    options.source_date_epoch = epoch;
    return options;
}

}  // namespace

TEST_CASE("squashfs writer: unsquashfs lists every entry with its mode, owner, size, time and target",
          "[squashfs_writer]") {
    Tree tree;
    fill_tree(tree);
    if (!tree.devices) WARN("mknod refused (not root): device nodes not checked");
    std::string image = tree.dir.path() + "/image.sqfs";
    auto result = write_image(tree.source, image, reproducible());

    std::map<std::string, std::string> expected;
    expected_listing(tree.source, "root", expected);
    CHECK(joined(unsquashfs_listing(image)) == joined(expected));
    CHECK(result.inodes == expected.size() - 1);  // the hard link pair is one inode
    CHECK(result.size == read_host_file(image).size());
    CHECK(result.size % 4096 == 0);
    int status = -1;
    std::string super = shell_output("TZ=UTC unsquashfs -s " + quoted(image), &status);
    CHECK(super.find("Creation or last append time Fri Jul 14 02:40:00 2017") != std::string::npos);
}

TEST_CASE("squashfs writer: the project's reader reads back every file, listing and link", "[squashfs_writer]") {
    Tree tree;
    fill_tree(tree);
    std::string image = tree.dir.path() + "/image.sqfs";
    write_image(tree.source, image, reproducible());
    auto file = hpc::image::ImageFile::open(image);
    auto read = hpc::image::open_tree(file);

    std::map<std::string, std::string> entries;
    expected_listing(tree.source, "", entries);
    for (const auto& [path, line] : entries) {
        INFO("path " << path);
        std::string inside = path.empty() ? "/" : path;
        std::string host = tree.source + path;
        struct stat info {};
        REQUIRE(::lstat(host.c_str(), &info) == 0);
        auto found = read->stat(inside, false);
        REQUIRE(found);
        CHECK(found->mode == info.st_mode);
        if (S_ISREG(info.st_mode)) CHECK(read->read_file(inside, 64 << 20) == read_host_file(host));
        if (S_ISLNK(info.st_mode)) CHECK(read->read_link(inside) == std::string(line.substr(line.find(" -> ") + 4)));
        if (S_ISDIR(info.st_mode)) {
            std::vector<std::string> names;
            for (const auto& [other, ignored] : entries)
                if (other.rfind(path + "/", 0) == 0 && other.find('/', path.size() + 1) == std::string::npos)
                    names.push_back(other.substr(path.size() + 1));
            CHECK(read->list_directory(inside) == names);
        }
    }
}

TEST_CASE("squashfs writer: hard links share one inode, link counts and xattrs are kept", "[squashfs_writer]") {
    Tree tree;
    fill_tree(tree);
    std::string image = tree.dir.path() + "/image.sqfs";
    write_image(tree.source, image, reproducible());
    hpc::UniqueFd fd(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
    hpc::image::SquashfsVolume volume(fd.get(), 0);

    auto a = volume.find("/dir/hard-a", false), b = volume.find("/other/hard-b", false);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(volume.attributes(*a).st_ino == volume.attributes(*b).st_ino);
    CHECK(volume.attributes(*a).st_nlink == 2);
    CHECK(volume.attributes(*volume.find("/small.txt")).st_nlink == 1);
    CHECK(volume.attributes(volume.root()).st_nlink == 2 + 6);  // 6 subdirectories
    CHECK(volume.attributes(volume.root()).st_uid == 0);

    // Blocks of zeros, in a hole or written out, are stored as holes: nothing on disk.
    auto kinds = [&](const std::string& path) {
        std::vector<hpc::image::BlockLocation> blocks;
        auto file = volume.find(path);
        REQUIRE(file);
        volume.locate(*file, 0, volume.attributes(*file).st_size, blocks);
        std::string text;
        for (const auto& location : blocks)
            text += location.kind == hpc::image::BlockLocation::Kind::sparse ? 's'
                    : location.kind == hpc::image::BlockLocation::Kind::data ? 'd' : 'f';
        return text;
    };
    CHECK(kinds("/sparse.bin") == "ssdsssss");
    CHECK(kinds("/zeros.bin") == "sss");
    CHECK(kinds("/multi.bin") == "dddd");  // larger than a block: its tail in a block of its own
    CHECK(kinds("/small.txt") == "f");

    if (!tree.xattrs) {
        WARN("user.* xattrs are not supported here: xattrs not checked");
        return;
    }
    REQUIRE(volume.has_xattrs());
    CHECK(volume.xattr(*volume.find("/small.txt"), "user.hpc-test") == "value");
    CHECK(volume.xattr(*volume.find("/small.txt"), "user.long") == std::string(1000, 'v'));
    CHECK(volume.xattr(*volume.find("/dir"), "user.on-a-dir") == "d");
    CHECK_FALSE(volume.xattr(*volume.find("/one-block.bin"), "user.hpc-test"));
}

TEST_CASE("squashfs writer: an image at an offset leaves what precedes it and reads after dd skip",
          "[squashfs_writer]") {
    Tree tree;
    fill_tree(tree);
    std::string image = tree.dir.path() + "/image.sif";
    auto result = write_image(tree.source, image, reproducible(), 32768, 'S');
    std::string bytes = read_host_file(image);
    CHECK(bytes.substr(0, 32768) == std::string(32768, 'S'));
    CHECK(bytes.size() == 32768 + result.size);
    CHECK(bytes.substr(32768, 4) == "hsqs");

    std::string plain = tree.dir.path() + "/plain.sqfs";
    int status = -1;
    shell_output("dd if=" + quoted(image) + " of=" + quoted(plain) + " bs=32768 skip=1 2>/dev/null", &status);
    REQUIRE(status == 0);
    std::string extracted = tree.dir.path() + "/extracted";
    shell_output("unsquashfs -q -n -d " + quoted(extracted) + " " + quoted(plain) + " multi.bin dir 2>&1", &status);
    CHECK(status == 0);
    CHECK(read_host_file(extracted + "/multi.bin") == read_host_file(tree.source + "/multi.bin"));
    CHECK(read_host_file(extracted + "/dir/nested/deep.txt") == "deep\n");

    // The project's reader finds it at the offset too.
    hpc::UniqueFd fd(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
    hpc::image::SquashfsVolume volume(fd.get(), 32768);
    CHECK(volume.bytes_used() <= result.size);
}

TEST_CASE("squashfs writer: each compressor's image is read back by unsquashfs", "[squashfs_writer]") {
    TempDir dir("hpc-sqw");
    std::string source = dir.path() + "/source";
    make_directory(source, 0755);
    write_host_file(source + "/text", std::string(300000, 'a') + "tail");
    write_host_file(source + "/random", random_bytes(block + 77, 9));
    write_host_file(source + "/small", "small\n");
    for (const char* compression : {"gzip", "zstd", "xz", "lz4"}) {
        INFO("compression " << compression);
        SquashfsWriteOptions options;
        options.compression = compression;
        options.block_size = 64 * 1024;
        std::string image = dir.path() + "/" + compression + ".sqfs";
        write_image(source, image, options);
        int status = -1;
        std::string super = shell_output("unsquashfs -s " + quoted(image), &status);
        CHECK(super.find(std::string("Compression ") + compression) != std::string::npos);
        CHECK(super.find("Block size 65536") != std::string::npos);
        std::string extracted = dir.path() + "/" + compression;
        shell_output("unsquashfs -q -n -d " + quoted(extracted) + " " + quoted(image), &status);
        CHECK(status == 0);
        shell_output("diff -r " + quoted(source) + " " + quoted(extracted), &status);
        CHECK(status == 0);
    }
}

TEST_CASE("squashfs writer: an unknown or missing compressor is refused by name", "[squashfs_writer]") {
    TempDir dir("hpc-sqw");
    SquashfsWriteOptions options;
    options.compression = "bogus";
    std::string message = error_message([&] { write_image(dir.path(), dir.path() + "/x.sqfs", options); });
    CHECK(message.find("compression bogus is not available") != std::string::npos);
    CHECK(message.find("gzip") != std::string::npos);
    options.compression = "lzo";  // Debian's libsquashfs is built without it (its licence)
    try {
        write_image(dir.path(), dir.path() + "/x.sqfs", options);
        int status = -1;
        shell_output("unsquashfs -s " + quoted(dir.path() + "/x.sqfs"), &status);
        CHECK(status == 0);
    } catch (const hpc::Error& error) {
        CHECK(error.code() == ExitCode::usage);
        CHECK(std::string(error.what()).find("compression lzo is not available") != std::string::npos);
    }
    options.compression = "gzip";
    options.block_size = 100000;
    CHECK(error_message([&] { write_image(dir.path(), dir.path() + "/x.sqfs", options); })
              .find("block size 100000 is not a power of two") != std::string::npos);
}

TEST_CASE("squashfs writer: progress comes from the calling thread, grows, and ends at the totals",
          "[squashfs_writer]") {
    Tree tree;
    fill_tree(tree);
    std::vector<SquashfsWriteProgress> calls;
    bool other_thread = false;
    auto caller = std::this_thread::get_id();
    SquashfsWriteOptions options = reproducible();
    options.progress = [&](const SquashfsWriteProgress& progress) {
        other_thread = other_thread || std::this_thread::get_id() != caller;
        calls.push_back(progress);
    };
    write_image(tree.source, tree.dir.path() + "/image.sqfs", options);

    REQUIRE(calls.size() >= 3);
    CHECK_FALSE(other_thread);
    CHECK(calls.front().files_done == 0);
    CHECK(calls.front().bytes_done == 0);
    // 250 small files and 11 others, the hard link pair counted once.
    uint64_t bytes = 15 + 3 * block + block / 2 + block + 2 * block + 2 * block + 1000 + 18 + 22 + 5 + 21 + 8 * block;
    for (int i = 0; i < 250; ++i) bytes += 6 + std::to_string(i).size();
    CHECK(calls.back().files_total == 261);
    CHECK(calls.back().bytes_total == bytes);
    CHECK(calls.back().files_done == 261);
    CHECK(calls.back().bytes_done == bytes);
    for (std::size_t i = 1; i < calls.size(); ++i) {
        CHECK(calls[i].files_done >= calls[i - 1].files_done);
        CHECK(calls[i].bytes_done >= calls[i - 1].bytes_done);
    }
}
