// FuseProgram running the real fuse2fs and fuse-overlayfs: each check forks a child that, as a
// user whose id in the namespace is not 0 (nobody, when the tests run as root), enters its own
// user and mount namespace as the launcher does, starts the server there, uses its mount and
// stops it; the parent then reads the ext3 image with e2fsprogs. Skipped, with a warning, where a
// program is missing or the host allows no user namespaces.
#include "common/error.hpp"
#include "common/unique_fd.hpp"
#include "common/write_file.hpp"
#include "fuse_test_support.hpp"
#include "image_fixture.hpp"
#include "namespace_child.hpp"
#include "sandbox/run/find_program.hpp"
#include "sandbox/run/fuse_program.hpp"
#include "sandbox/run/supervisor.hpp"
#include "squashfs_writer_support.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using hpc::Error;
using hpc::ExitCode;
using hpc::UniqueFd;
using hpc::sandbox::FuseProgram;
using hpc::sandbox::FuseProgramOptions;
using namespace hpc::test;

namespace {

const std::string written = "written through the mount\n";

// e2fsprogs' checking tools live in sbin, which a user's PATH may leave out.
std::optional<std::string> tool(const std::string& name) {
    if (auto found = hpc::sandbox::find_program(name)) return found;
    for (const char* directory : {"/usr/sbin/", "/sbin/"})
        if (::access((directory + name).c_str(), X_OK) == 0) return directory + name;
    return std::nullopt;
}

// The first of `names` that is missing, or "".
std::string missing(std::initializer_list<std::string> names) {
    for (const std::string& name : names)
        if (!tool(name)) return name;
    return "";
}

// fuse2fs and e2fsprogs' tools, or false with the test reported skipped.
bool have_ext3_tools() {
    std::string absent = missing({"fuse2fs", "mkfs.ext3", "e2fsck", "dumpe2fs", "debugfs"});
    if (absent.empty()) return true;
    WARN("SKIPPED: " << absent << " is not installed (Debian packages fuse2fs, e2fsprogs)");
    return false;
}

dev_t device_of(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? status.st_dev : 0;
}

// A scratch tree the unprivileged child may use: an empty mount point, and an ext3 image made
// from a directory holding /hello, its root owned by that user (mke2fs makes it root's).
struct Ext3Scratch {
    TempDir dir{"hpc-fuse-program"};
    std::string mnt = dir.path() + "/mnt";
    std::string image = dir.path() + "/overlay.img";

    Ext3Scratch() {
        std::string source = dir.path() + "/source";
        ::mkdir(mnt.c_str(), 0755);
        ::mkdir(source.c_str(), 0755);
        write_host_file(source + "/hello", "hello from the image\n");
        std::string owner = std::to_string(unprivileged_uid()) + ":" + std::to_string(unprivileged_gid());
        write_host_file(image, "");  // mke2fs says "Creating regular file" otherwise
        REQUIRE(run_command({"chown", "-R", owner, dir.path()}) == 0);
        REQUIRE(run_command({*tool("mkfs.ext3"), "-q", "-F", "-E", "root_owner=" + owner, "-d", source, image, "16M"}) == 0);
    }
};

// e2fsck's verdict, the superblock's state, and /file as debugfs reads it from the image.
void check_image_holds_file(const std::string& image) {
    int status = -1;
    std::string fsck = shell_output(*tool("e2fsck") + " -fn " + quoted(image) + " 2>&1", &status);
    CHECK(status == 0);
    INFO(fsck);
    std::string header = shell_output(*tool("dumpe2fs") + " -h " + quoted(image) + " 2>/dev/null", &status);
    CHECK(header.find("Filesystem state:         clean\n") != std::string::npos);
    CHECK(shell_output(*tool("debugfs") + " -R 'cat /file' " + quoted(image) + " 2>/dev/null", &status) == written);
}

// The one child of a FUSE program's keeper: the program itself.
pid_t program_of(pid_t keeper) {
    std::string children = slurp("/proc/" + std::to_string(keeper) + "/task/" + std::to_string(keeper) + "/children")
                               .value_or("");
    return static_cast<pid_t>(std::atoi(children.c_str()));
}

// In the child: whether it may open /dev/fuse (some hosts ship it 0600); the check skips if not.
bool fuse_device_usable(ChildReport& child) {
    UniqueFd device(::open("/dev/fuse", O_RDWR | O_CLOEXEC));
    if (!device) child.skip("FUSE mounts are not possible here: /dev/fuse: " + errno_text(errno));
    return static_cast<bool>(device);
}

std::vector<std::string> fuse2fs_argv(const std::string& device, const std::string& mnt) {
    return {"fuse2fs", "-f", device, mnt, "-o", "fakeroot"};
}

// The targets of the program's descriptors, as its /proc/PID/fd shows them.
std::vector<std::string> open_files_of(pid_t pid) {
    std::vector<std::string> targets;
    std::string directory = "/proc/" + std::to_string(pid) + "/fd";
    DIR* listing = ::opendir(directory.c_str());
    if (!listing) return targets;
    while (const dirent* entry = ::readdir(listing)) {
        if (entry->d_name[0] == '.') continue;
        char target[4096];
        ssize_t length = ::readlink((directory + "/" + entry->d_name).c_str(), target, sizeof target);
        if (length > 0) targets.emplace_back(target, static_cast<std::size_t>(length));
    }
    ::closedir(listing);
    return targets;
}

// A payload as the launcher runs one: a child that writes /file into the mount and leaves an
// orphan holding a file of the mount open, supervised by this process as subreaper, sparing
// the server.
int run_payload_leaving_an_orphan(const std::string& mnt, int own_tasks, pid_t server) {
    pid_t payload = ::fork();
    if (payload == 0) {
        int fd = ::open((mnt + "/file").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || ::write(fd, written.data(), written.size()) != static_cast<ssize_t>(written.size()) ||
            ::close(fd) != 0)
            ::_exit(1);
        if (::fork() == 0) {
            int held = ::open((mnt + "/hello").c_str(), O_RDONLY);
            (void)held;
            ::pause();
            ::_exit(0);
        }
        ::_exit(0);
    }
    std::vector<pid_t> spared{server};
    return hpc::sandbox::supervise(payload, own_tasks, spared);
}

}  // namespace

TEST_CASE("fuse program: fuse2fs serves an ext3 image in a user namespace, and stopping it leaves the image clean with what was written") {
    if (!have_ext3_tools()) return;
    Ext3Scratch scratch;
    report(run_unprivileged_in_user_namespace([&](ChildReport& child) {
        if (!fuse_device_usable(child)) return;
        // As the launcher is: its signals taken (SIGTERM blocked, which the server must not
        // inherit), a subreaper whose supervisor reaps every child and kills the payload's orphans.
        hpc::sandbox::take_over_signals();
        child.expect(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "become a subreaper");
        UniqueFd own_tasks(::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        // The image goes by descriptor, as the launcher passes the file it checked; a descriptor
        // opened without close-on-exec must still not reach the program.
        UniqueFd image(::open(scratch.image.c_str(), O_RDWR | O_CLOEXEC));
        UniqueFd stray(::open(scratch.dir.path().c_str(), O_RDONLY | O_DIRECTORY));
        std::string device = "/proc/self/fd/" + std::to_string(image.get());
        FuseProgramOptions options;
        options.kept_fds = {image.get()};
        FuseProgram server(fuse2fs_argv(device, scratch.mnt), scratch.mnt, "fuse2fs", options);

        // The payload's write is the first use of the mount: the server's root must have its
        // real owner by now (see wait_for_mount).
        child.expect(run_payload_leaving_an_orphan(scratch.mnt, own_tasks.get(), server.pid()) == 0,
                     "the payload wrote /file into the mount's root");
        child.expect(server.pid() > 0 && ::kill(server.pid(), 0) == 0,
                     "the supervisor's sweep of orphans left the server running");
        child.expect(device_of(scratch.mnt) != device_of(scratch.dir.path()), "the image is mounted");
        std::optional<std::string> hello = slurp(scratch.mnt + "/hello");
        child.expect(hello && *hello == "hello from the image\n", "/hello is read through the mount");
        // pid() is the keeper's; the program is its one child, and the keeper holds nothing.
        child.expect(open_files_of(server.pid()).size() <= 3, "the keeper holds only its standard streams");
        std::vector<std::string> targets = open_files_of(program_of(server.pid()));
        auto holds = [&](const std::string& target) {
            return std::find(targets.begin(), targets.end(), target) != targets.end();
        };
        child.expect(holds("/dev/fuse"), "its descriptors are seen (/dev/fuse among them)");
        child.expect(holds(scratch.image), "it holds the image passed to it");
        child.expect(!holds(scratch.dir.path()), "a descriptor the caller did not pass is closed");
        std::optional<std::string> file = slurp(scratch.mnt + "/file");
        child.expect(file && *file == written, "the server still serves /file after the payload's end");

        server.stop();
        child.expect(server.pid() == 0, "stopped: no pid");
        child.expect(device_of(scratch.mnt) == device_of(scratch.dir.path()), "stopped: nothing is mounted");
        server.stop();  // the second time does nothing
    }));
    check_image_holds_file(scratch.image);
}

TEST_CASE("fuse program: a mount detached before stop still leaves the image clean") {
    if (!have_ext3_tools()) return;
    Ext3Scratch scratch;
    report(run_unprivileged_in_user_namespace([&](ChildReport& child) {
        if (!fuse_device_usable(child)) return;
        FuseProgram server(fuse2fs_argv(scratch.image, scratch.mnt), scratch.mnt, "fuse2fs");
        hpc::write_file(scratch.mnt + "/file", written, 0644);
        // Its connection ends with its last mount: libfuse leaves its loop and writes the file
        // system out on its own, without the signal handlers a SIGTERM would find (the case
        // that loses the image's clean state when SIGTERM follows a detach at once).
        child.expect(::umount2(scratch.mnt.c_str(), MNT_DETACH) == 0, "detach the mount: " + errno_text(errno));
        server.stop();
        child.expect(server.pid() == 0, "stopped");
    }));
    check_image_holds_file(scratch.image);
}

TEST_CASE("fuse program: a program that exits before mounting says why, with the code the caller gives") {
    if (std::string absent = missing({"fuse2fs"}); !absent.empty()) {
        WARN("SKIPPED: " << absent << " is not installed (Debian package fuse2fs)");
        return;
    }
    TempDir dir("hpc-fuse-program");
    std::string mnt = dir.path() + "/mnt";
    std::string not_ext3 = dir.path() + "/zeros.img";
    ::mkdir(mnt.c_str(), 0755);
    write_host_file(not_ext3, std::string(1 << 20, '\0'));

    Error error = thrown_error([&] { FuseProgram(fuse2fs_argv(not_ext3, mnt), mnt, "fuse2fs"); });
    CHECK(error.code() == ExitCode::data);
    CHECK(std::string(error.what()) == "fuse2fs exited with status 2 before mounting " + mnt + ": " + not_ext3 +
                                           ": Bad magic number in super-block. Please run e2fsck -fy " + not_ext3 + ".");

    FuseProgramOptions options;
    options.exit_code = ExitCode::no_input;
    CHECK(thrown_error([&] { FuseProgram(fuse2fs_argv(not_ext3, mnt), mnt, "fuse2fs", options); }).code() ==
          ExitCode::no_input);
    CHECK(device_of(mnt) == device_of(dir.path()));
}

TEST_CASE("fuse program: a missing program is unavailable and its package is named") {
    TempDir dir("hpc-fuse-program");
    std::string mnt = dir.path();
    CHECK(error_message([&] { FuseProgram({"hpc-no-such-fuse-server", "-f", mnt}, mnt, "hpc-fuse-package"); },
                        ExitCode::unavailable) ==
          "hpc-no-such-fuse-server is not installed (Debian package hpc-fuse-package) or not on PATH");
}

TEST_CASE("fuse program: a descriptor it cannot be given is refused before anything starts") {
    TempDir dir("hpc-fuse-program");
    FuseProgramOptions options;
    options.kept_fds = {2};
    CHECK(error_message([&] { FuseProgram({"true"}, dir.path(), "coreutils", options); }, ExitCode::software) ==
          "true: descriptor 2 cannot be passed: 0-2 are its standard streams");
}

TEST_CASE("fuse program: fuse-overlayfs, given the file capabilities, serves an overlay whose upper layer keeps what was written") {
    if (std::string absent = missing({"fuse-overlayfs"}); !absent.empty()) {
        WARN("SKIPPED: " << absent << " is not installed (Debian package fuse-overlayfs)");
        return;
    }
    TempDir dir("hpc-fuse-program");
    std::string lower = dir.path() + "/lower", upper = dir.path() + "/upper", work = dir.path() + "/work",
                mnt = dir.path() + "/mnt";
    for (const std::string& path : {lower, upper, work, mnt}) ::mkdir(path.c_str(), 0755);
    write_host_file(lower + "/kept", "from the lower layer\n");
    write_host_file(lower + "/changed", "before\n");
    std::string owner = std::to_string(unprivileged_uid()) + ":" + std::to_string(unprivileged_gid());
    REQUIRE(run_command({"chown", "-R", owner, dir.path()}) == 0);

    report(run_unprivileged_in_user_namespace([&](ChildReport& child) {
        if (!fuse_device_usable(child)) return;
        hpc::sandbox::take_over_signals();
        FuseProgramOptions options;
        options.file_capabilities = true;
        FuseProgram server({"fuse-overlayfs", "-f", "-o", "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work, mnt},
                           mnt, "fuse-overlayfs", options);
        std::optional<std::string> kept = slurp(mnt + "/kept");
        child.expect(kept && *kept == "from the lower layer\n", "the lower layer is read through the mount");
        hpc::write_file(mnt + "/file", written, 0644);
        hpc::write_file(mnt + "/changed", "after\n", 0644);
        server.stop();
        child.expect(device_of(mnt) == device_of(dir.path()), "stopped: nothing is mounted");
    }));
    CHECK(read_host_file(upper + "/file") == written);
    CHECK(read_host_file(upper + "/changed") == "after\n");
    CHECK(read_host_file(lower + "/changed") == "before\n");
}
