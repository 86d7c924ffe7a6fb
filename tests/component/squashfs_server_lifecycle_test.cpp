// The FUSE server's writes (mount points until seal, EROFS otherwise), how it stops, and its
// threads' signal masks; see squashfs_server_test.cpp for how these tests run.
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "fuse_test_support.hpp"
#include "image/tree/image_file.hpp"
#include "image/serve/squashfs_server.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

using hpc::Error;
using hpc::image::ImageFile;
using hpc::image::ServeOptions;
using hpc::image::SquashfsServer;
using namespace hpc::test;

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


TEST_CASE("squashfs server: a root it cannot read once mounted fails the mount, naming the image", "[fuse]") {
    // ImageFile::open checks the id table; an image changed after that check is read as it is
    // now. Its root's owner is then first read when the mount is: a bare EIO named nothing.
    TempDir scratch("hpc-fuse");
    const std::string copy = scratch.path() + "/changed.sqfs";
    write_host_file(copy, read_host_file(ImageFixture::get().image));
    Mountpoint mountpoint;
    report(hpc::test::run_in_user_namespace(
        [&](ChildReport& child) {
            ImageFile image = ImageFile::open(copy);
            SquashfsServer server(image);
            std::string bytes = read_host_file(copy);
            uint64_t index = 0, block = 0;
            std::memcpy(&index, bytes.data() + 48, sizeof index);  // id_table_start
            std::memcpy(&block, bytes.data() + index, sizeof block);
            const unsigned char garbled[] = {2, 0, 0xff, 0xff};  // 2 compressed bytes that do not decode
            hpc::UniqueFd writer(::open(copy.c_str(), O_WRONLY | O_CLOEXEC));
            child.expect(::pwrite(writer.get(), garbled, sizeof garbled, static_cast<off_t>(block)) == 4,
                         "garbling the id table");
            try {
                server.mount(mountpoint.path);
                child.expect(false, "the mount succeeded with an id table that does not decode");
            } catch (const Error& error) {
                if (error.code() == hpc::ExitCode::unavailable || error.sys_errno() == EPERM) {
                    child.skip(std::string("FUSE mounts are not possible here: ") + error.what());
                    return;
                }
                std::string message = error.what();
                child.expect(message.starts_with(copy + ": "), "the error names the image: " + message);
            }
        },
        60));
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

