// The squashfs writer's failures: each names the file and the cause, carries the exit code
// the CLI will use, and leaves no partial squashfs behind (the output is cut back to where the
// image was to start, whatever preceded it untouched).
#include "common/unique_fd.hpp"
#include "image/write/squashfs_writer.hpp"
#include "image_fixture.hpp"
#include "squashfs_writer_support.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

using hpc::ExitCode;
using hpc::image::SquashfsWriteOptions;
using namespace hpc::test;

namespace {

struct Outcome {
    int code = 0;  // the hpc::Error's exit code, 0 if none was thrown
    std::string message;
};

// Runs write_squashfs as an unprivileged user: in a child that drops to nobody when the test
// runs as root (root reads files whatever their mode), in this process otherwise.
Outcome write_unprivileged(const std::string& source, int fd, uint64_t offset) {
    auto attempt = [&] {
        Outcome outcome;
        try {
            hpc::image::write_squashfs(source, fd, offset, SquashfsWriteOptions());
        } catch (const hpc::Error& error) {
            outcome = {static_cast<int>(error.code()), error.what()};
        }
        return outcome;
    };
    if (::geteuid() != 0) return attempt();

    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        gid_t nobody = 65534;
        if (::setgroups(0, nullptr) != 0 || ::setresgid(nobody, nobody, nobody) != 0 ||
            ::setresuid(nobody, nobody, nobody) != 0)
            ::_exit(3);
        Outcome outcome = attempt();
        std::string report = std::to_string(outcome.code) + "\n" + outcome.message;
        ssize_t wrote = ::write(pipe_fds[1], report.data(), report.size());
        ::_exit(wrote == static_cast<ssize_t>(report.size()) ? 0 : 4);
    }
    ::close(pipe_fds[1]);
    std::string report;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) report.append(buffer, static_cast<std::size_t>(got));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    Outcome outcome;
    outcome.code = std::stoi(report.substr(0, report.find('\n')));
    outcome.message = report.substr(report.find('\n') + 1);
    return outcome;
}

}  // namespace

TEST_CASE("squashfs writer: an unreadable file or directory is named, and no partial output is left",
          "[squashfs_writer]") {
    TempDir dir("hpc-sqw");
    ::chmod(dir.path().c_str(), 0755);  // the unprivileged child must reach the tree
    std::string source = dir.path() + "/source";
    make_directory(source, 0755);
    write_host_file(source + "/aaa-first", random_bytes(300000, 5));  // data out before the failure
    std::string image = dir.path() + "/out.sif";
    hpc::UniqueFd fd(::open(image.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    REQUIRE(::write(fd.get(), "PREFIX", 6) == 6);

    SECTION("a file") {
        write_host_file(source + "/secret", "no one may read this\n", 0);
        Outcome outcome = write_unprivileged(source, fd.get(), 4096);
        CHECK(outcome.code == static_cast<int>(ExitCode::no_input));
        CHECK(outcome.message == source + "/secret: cannot open: Permission denied");
    }
    SECTION("a directory") {
        make_directory(source + "/locked", 0);
        Outcome outcome = write_unprivileged(source, fd.get(), 4096);
        CHECK(outcome.code == static_cast<int>(ExitCode::no_input));
        CHECK(outcome.message == source + "/locked: cannot open directory: Permission denied");
    }
    // Cut back to the offset (or never written): what preceded the image, then nothing but zeros.
    std::string left = read_host_file(image);
    CHECK(left.substr(0, 6) == "PREFIX");
    CHECK(left.size() <= 4096);
    CHECK(left.find_first_not_of('\0', 6) == std::string::npos);
}

TEST_CASE("squashfs writer: a missing source or an unusable output is refused", "[squashfs_writer]") {
    TempDir dir("hpc-sqw");
    std::string image = dir.path() + "/out.sqfs";
    CHECK(error_message([&] { write_image(dir.path() + "/missing", image, {}); }, ExitCode::no_input) ==
          dir.path() + "/missing: cannot open directory: No such file or directory");
    write_host_file(dir.path() + "/file", "");
    CHECK(error_message([&] { write_image(dir.path() + "/file", image, {}); }, ExitCode::no_input) ==
          dir.path() + "/file: cannot open directory: Not a directory");

    hpc::UniqueFd write_only(::open(image.c_str(), O_WRONLY | O_CLOEXEC));
    CHECK(error_message([&] { hpc::image::write_squashfs(dir.path(), write_only.get(), 0, {}); },
                        ExitCode::cant_create) == "output: must be open for reading and writing");
    hpc::UniqueFd appending(::open(image.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
    CHECK(error_message([&] { hpc::image::write_squashfs(dir.path(), appending.get(), 0, {}); },
                        ExitCode::cant_create) == "output: must not be open for appending");
    hpc::UniqueFd directory(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    CHECK(error_message([&] { hpc::image::write_squashfs(dir.path(), directory.get(), 0, {}); },
                        ExitCode::cant_create) == "output: not a regular file");
}

TEST_CASE("squashfs writer: a write that fails is named as the output's, and the output is cut back",
          "[squashfs_writer]") {
    TempDir dir("hpc-sqw");
    std::string source = dir.path() + "/source";
    make_directory(source, 0755);
    write_host_file(source + "/big", random_bytes(1 << 20, 6));
    std::string image = dir.path() + "/out.sqfs";

    // A file size limit makes writes past it fail with EFBIG (SIGXFSZ ignored), as a full disk
    // would with ENOSPC.
    struct rlimit saved {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = saved;
    limited.rlim_cur = 256 * 1024;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    hpc::Error error = thrown_error([&] { write_image(source, image, {}, 8192, 'X'); });
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);

    CHECK(error.code() == ExitCode::cant_create);
    CHECK(std::string(error.what()).find(": writing the output: File too large") != std::string::npos);
    CHECK(read_host_file(image) == std::string(8192, 'X'));
}
