// The FUSE server, mounted for real: each test forks a child that enters its own user and
// mount namespace (tests/unit/namespace_child.hpp), mounts the fixture image there and checks
// it through the kernel. Skipped, with a warning, where the host allows no user namespaces or
// no FUSE mounts in them.
#include "common/error.hpp"
#include "image/image_file.hpp"
#include "image/squashfs_server.hpp"
#include "image_fixture.hpp"
#include "namespace_child.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

using hpc::Error;
using hpc::image::ImageFile;
using hpc::image::ServeOptions;
using hpc::image::SquashfsServer;
using hpc::test::ChildOutcome;
using hpc::test::ChildReport;
using hpc::test::fixture_block_size;
using hpc::test::ImageFixture;
using hpc::test::read_host_file;
using hpc::test::TempDir;

namespace {

std::optional<std::string> slurp(const std::string& path, std::size_t chunk = 1 << 20) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string content, buffer(chunk, '\0');
    for (;;) {
        ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (got == 0) break;
        content.append(buffer.data(), static_cast<std::size_t>(got));
    }
    ::close(fd);
    return content;
}

std::vector<std::string> names_in(const std::string& path) {
    std::vector<std::string> names;
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return names;
    while (dirent* entry = ::readdir(dir)) names.emplace_back(entry->d_name);
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> without_dots(std::vector<std::string> names) {
    std::erase_if(names, [](const std::string& name) { return name == "." || name == ".."; });
    return names;
}

// errno of a call that returns -1 on failure, 0 when it succeeded.
int error_of(int result) { return result < 0 ? errno : 0; }

std::string errno_text(int err) { return err ? std::strerror(err) : "success"; }

// Mounts `image` at `mountpoint` in the child and runs `body`; a host that cannot make the
// mount skips instead.
void with_server(ChildReport& report, const std::string& image, const std::string& mountpoint,
                 const std::function<void(SquashfsServer&)>& body, ServeOptions options = {}) {
    try {
        ImageFile file = ImageFile::open(image);
        SquashfsServer server(file, options);
        try {
            server.mount(mountpoint);
        } catch (const Error& error) {
            if (error.code() == hpc::ExitCode::unavailable || error.sys_errno() == EPERM) {
                report.skip(std::string("FUSE mounts are not possible here: ") + error.what());
                return;
            }
            throw;
        }
        body(server);
    } catch (const Error& error) {
        report.expect(false, std::string("hpc::Error: ") + error.what());
    }
}

void report(const ChildOutcome& outcome) {
    if (!outcome.skipped.empty()) {
        WARN("SKIPPED: " << outcome.skipped);
        return;
    }
    for (const std::string& failure : outcome.failures) FAIL_CHECK(failure);
    if (!outcome.abnormal.empty()) FAIL(outcome.abnormal);
    CHECK(outcome.failures.empty());
}

struct Mountpoint {
    TempDir scratch{"hpc-fuse"};
    std::string path = scratch.path() + "/mnt";
    Mountpoint() { ::mkdir(path.c_str(), 0755); }
};

uint64_t expected_decodes() {
    const ImageFixture& fixture = ImageFixture::get();
    return fixture.expected_data_blocks + hpc::test::superblock_fragments(fixture.image);
}

// Every regular file read completely by several threads at once, each in its own order and
// with its own read size, compared with the source.
void read_everything_in_parallel(ChildReport& report, const std::string& mnt) {
    const ImageFixture& fixture = ImageFixture::get();
    std::mutex lock;
    std::vector<std::thread> readers;
    for (unsigned t = 0; t < 4; ++t) {
        readers.emplace_back([&, t] {
            std::vector<std::string> order = fixture.regular_files;
            std::shuffle(order.begin(), order.end(), std::mt19937(t));
            std::size_t chunk = std::size_t(1) << (12 + 3 * t);  // 4 KiB .. 2 MiB
            for (const std::string& path : order) {
                std::optional<std::string> got = slurp(mnt + path, chunk);
                std::string expected = read_host_file(fixture.source + path);
                if (got != expected) {
                    std::lock_guard guard(lock);
                    report.expect(false, "content of " + path + " differs (reader " + std::to_string(t) + ")");
                }
            }
        });
    }
    for (auto& reader : readers) reader.join();
}

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

    for (const char* dir : {"", "/etc", "/dir", "/dir/nested", "/many", "/private"}) {
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

// Drops the kernel's cached pages of every file, so that the next reads reach the server.
void drop_page_cache(const std::string& mnt) {
    for (const std::string& path : ImageFixture::get().regular_files) {
        int fd = ::open((mnt + path).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
    }
}

}  // namespace

TEST_CASE("squashfs server: serves contents, attributes, links and listings; decodes each block once", "[fuse]") {
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
            child.expect(first.blocks_decoded == expected_decodes(),
                         "first pass decoded " + std::to_string(first.blocks_decoded) + " blocks, the image has " +
                             std::to_string(expected_decodes()));
            check_odd_ranges(child, mnt);
            check_attributes_and_links(child, mnt);

            drop_page_cache(mnt);
            auto before = server.stats();
            read_everything_in_parallel(child, mnt);
            auto second = server.stats();
            child.expect(second.read_requests > before.read_requests, "the second pass reached the server");
            child.expect(second.blocks_decoded == first.blocks_decoded,
                         "the second pass decoded " + std::to_string(second.blocks_decoded - first.blocks_decoded) +
                             " blocks again");
            child.expect(second.cache_hits - before.cache_hits >= expected_decodes(),
                         "the second pass was served from the block cache");
            child.expect(second.cache_evictions == 0, "nothing was evicted");
        });
    }));
}

TEST_CASE("squashfs server: mount points until seal, EROFS after and for every write", "[fuse]") {
    ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(child, ImageFixture::get().image, mnt, [&](SquashfsServer& server) {
            auto expect_errno = [&](int result, int wanted, const std::string& what) {
                int err = error_of(result);
                child.expect(err == wanted, what + ": " + errno_text(err) + ", wanted " + errno_text(wanted));
            };
            expect_errno(::mkdir((mnt + "/proc").c_str(), 0700), 0, "mkdir /proc");
            expect_errno(::mkdir((mnt + "/proc/sub").c_str(), 0700), 0, "mkdir /proc/sub");
            expect_errno(::mkdir((mnt + "/dir/nested/bind").c_str(), 0700), 0, "mkdir under an image directory");
            expect_errno(::mknod((mnt + "/dir/hostname").c_str(), S_IFREG | 0600, 0), 0, "mknod /dir/hostname");
            expect_errno(::mknod((mnt + "/proc/file").c_str(), S_IFREG | 0600, 0), 0, "mknod /proc/file");
            expect_errno(::mkdir((mnt + "/small.txt").c_str(), 0755), EEXIST, "mkdir over an image file");
            expect_errno(::mkdir((mnt + "/proc").c_str(), 0755), EEXIST, "mkdir over a synthetic directory");
            expect_errno(::mkdir((mnt + "/small.txt/below").c_str(), 0755), ENOTDIR, "mkdir under a file");
            expect_errno(::mknod((mnt + "/fifo").c_str(), S_IFIFO | 0600, 0), EPERM, "mknod of a fifo");

            struct stat st {};
            child.expect(::stat((mnt + "/proc").c_str(), &st) == 0 && st.st_mode == (S_IFDIR | 0755) &&
                             st.st_uid == ::getuid() && st.st_gid == ::getgid(),
                         "a synthetic directory is 0755 and the user's");
            child.expect(::stat((mnt + "/dir/hostname").c_str(), &st) == 0 && st.st_mode == (S_IFREG | 0644) &&
                             st.st_size == 0 && st.st_uid == ::getuid(),
                         "a synthetic file is empty, 0644 and the user's");
            child.expect(slurp(mnt + "/dir/hostname") == std::string(), "a synthetic file reads empty");
            std::vector<std::string> root = without_dots(names_in(mnt));
            child.expect(std::count(root.begin(), root.end(), "proc") == 1, "readdir shows /proc");
            child.expect(root.size() == without_dots(names_in(ImageFixture::get().source)).size() + 1,
                         "readdir shows the image's entries and /proc");
            child.expect(without_dots(names_in(mnt + "/proc")) == std::vector<std::string>{"file", "sub"},
                         "readdir of a synthetic directory");
            std::vector<std::string> dir = without_dots(names_in(mnt + "/dir"));
            child.expect(std::count(dir.begin(), dir.end(), "hostname") == 1 && dir.size() == 5,
                         "readdir of an image directory with a synthetic file");

            server.seal();
            expect_errno(::mkdir((mnt + "/late").c_str(), 0755), EROFS, "mkdir after seal");
            expect_errno(::mkdir((mnt + "/proc/late").c_str(), 0755), EROFS, "mkdir in a synthetic directory after seal");
            expect_errno(::mknod((mnt + "/late-file").c_str(), S_IFREG | 0644, 0), EROFS, "mknod after seal");
            child.expect(::stat((mnt + "/proc/sub").c_str(), &st) == 0, "synthetic entries stay after seal");

            expect_errno(::open((mnt + "/small.txt").c_str(), O_WRONLY | O_CLOEXEC), EROFS, "open for writing");
            expect_errno(::open((mnt + "/small.txt").c_str(), O_RDWR | O_CLOEXEC), EROFS, "open for reading and writing");
            expect_errno(::open((mnt + "/dir/hostname").c_str(), O_WRONLY | O_CLOEXEC), EROFS, "open a synthetic file for writing");
            expect_errno(::open((mnt + "/new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EROFS, "create");
            expect_errno(::truncate((mnt + "/small.txt").c_str(), 0), EROFS, "truncate");
            expect_errno(::unlink((mnt + "/small.txt").c_str()), EROFS, "unlink");
            expect_errno(::rmdir((mnt + "/proc/sub").c_str()), EROFS, "rmdir");
            expect_errno(::rename((mnt + "/small.txt").c_str(), (mnt + "/moved").c_str()), EROFS, "rename");
            expect_errno(::link((mnt + "/small.txt").c_str(), (mnt + "/linked").c_str()), EROFS, "link");
            expect_errno(::symlink("target", (mnt + "/symlinked").c_str()), EROFS, "symlink");
            expect_errno(::chmod((mnt + "/small.txt").c_str(), 0600), EROFS, "chmod");
            expect_errno(::setxattr((mnt + "/small.txt").c_str(), "user.x", "1", 1, 0), EROFS, "setxattr");
            struct statvfs fs {};
            child.expect(::statvfs(mnt.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) && (fs.f_flag & ST_NOSUID) &&
                             (fs.f_flag & ST_NODEV),
                         "sealed, the file system is read-only, nosuid and nodev");
            auto before = server.stats();
            child.expect(slurp(mnt + "/small.txt") == std::string("hello\n"), "the image is unchanged");
            child.expect(::stat((mnt + "/small.txt").c_str(), &st) == 0 && st.st_size == 6, "stat after a read");
            child.expect(server.stats().getattr_requests == before.getattr_requests,
                         "sealed, a read does not make the kernel fetch attributes again");
        });
    }));
}

TEST_CASE("squashfs server: stops when its mount is gone or a file is still open", "[fuse]") {
    ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    report(hpc::test::run_in_user_namespace(
        [&](ChildReport& child) {
            auto timed_destruction = [&](std::unique_ptr<SquashfsServer>& server, const std::string& what) {
                auto start = std::chrono::steady_clock::now();
                server.reset();
                auto took = std::chrono::steady_clock::now() - start;
                child.expect(took < std::chrono::seconds(5), what + ": the destructor took too long");
            };
            ImageFile image = ImageFile::open(ImageFixture::get().image);

            auto server = std::make_unique<SquashfsServer>(image);
            try {
                server->mount(mnt);
            } catch (const Error& error) {
                child.skip(std::string("FUSE mounts are not possible here: ") + error.what());
                return;
            }
            child.expect(::umount2(mnt.c_str(), MNT_DETACH) == 0, "unmounting behind the server's back");
            timed_destruction(server, "after an unmount");

            server = std::make_unique<SquashfsServer>(image);
            server->mount(mnt);
            int held = ::open((mnt + "/big.bin").c_str(), O_RDONLY | O_CLOEXEC);
            child.expect(held >= 0, "opening a file to hold");
            timed_destruction(server, "with a file held open");
            char byte = 0;
            child.expect(::read(held, &byte, 1) < 0, "a held file reads nothing once the server is gone");
            ::close(held);
            struct stat st {};
            child.expect(::stat((mnt + "/small.txt").c_str(), &st) != 0, "the mount is detached");
        },
        60));
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

TEST_CASE("squashfs server: prefetching decodes an opened file ahead, and still each block once", "[fuse]") {
    ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    ServeOptions options;
    options.prefetch_threads = 2;  // on any machine, however few its CPUs
    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(
            child, ImageFixture::get().image, mnt,
            [&](SquashfsServer& server) {
                // Opened and not yet read: all ten blocks of big.bin are decoded ahead.
                int fd = ::open((mnt + "/big.bin").c_str(), O_RDONLY | O_CLOEXEC);
                child.expect(fd >= 0, "open /big.bin");
                auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                while (server.stats().blocks_decoded_ahead < 10 && std::chrono::steady_clock::now() < deadline)
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                auto ahead = server.stats();
                child.expect(ahead.blocks_decoded_ahead == 10 && ahead.blocks_decoded == 10,
                             "decoded ahead " + std::to_string(ahead.blocks_decoded_ahead) + " of big.bin's 10 blocks");
                std::string content(1 << 21, '\0');
                ssize_t got = ::read(fd, content.data(), content.size());
                content.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
                ::close(fd);
                child.expect(content == read_host_file(ImageFixture::get().source + "/big.bin"), "content of /big.bin");
                child.expect(server.stats().blocks_decoded == 10, "reading it decoded nothing more");

                read_everything_in_parallel(child, mnt);
                child.expect(server.stats().blocks_decoded == expected_decodes(),
                             "with prefetching, decoded " + std::to_string(server.stats().blocks_decoded) +
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
            child.expect(server.stats().blocks_decoded == expected_decodes(), "each block decoded once");
        });
    }));
}

TEST_CASE("squashfs server: worker threads block every signal", "[fuse]") {
    ImageFixture::get();
    Mountpoint mountpoint;
    const std::string mnt = mountpoint.path;
    report(hpc::test::run_in_user_namespace([&](ChildReport& child) {
        with_server(child, ImageFixture::get().image, mnt, [&](SquashfsServer& server) {
            std::string self = std::to_string(::gettid());
            int others = 0;
            for (const std::string& task : names_in("/proc/self/task")) {
                if (task == "." || task == ".." || task == self) continue;
                ++others;
                std::string status = read_host_file("/proc/self/task/" + task + "/status");
                std::size_t at = status.find("SigBlk:");
                uint64_t blocked = at == std::string::npos ? 0 : std::stoull(status.substr(at + 7), nullptr, 16);
                for (int signal : {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGTERM, SIGCHLD, SIGPIPE, SIGALRM})
                    child.expect(blocked & (uint64_t(1) << (signal - 1)),
                                 "thread " + task + " does not block signal " + std::to_string(signal));
            }
            child.expect(others >= static_cast<int>(server.stats().threads), "the workers were found");
            sigset_t mine;
            ::pthread_sigmask(SIG_SETMASK, nullptr, &mine);
            child.expect(!::sigismember(&mine, SIGTERM), "the caller's own mask is left as it was");
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
        ImageFile image = ImageFile::open(path);
        try {
            SquashfsServer server(image);
            FAIL_CHECK("compression " << code << " was accepted");
        } catch (const Error& error) {
            CHECK(error.code() == hpc::ExitCode::data);
            CHECK(std::string(error.what()) == path + ": " + expected);
        }
    }
}
