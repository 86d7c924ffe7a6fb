// The image's path as the descriptor has it, checked against a link swapped into the path by a
// racing process (a component test: it forks the swapper).
#include "image/tree/image_file.hpp"
#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace fs = std::filesystem;
using hpc::image::ImageFile;
using hpc::test::TempDir;

TEST_CASE("the resolved path is the opened image's own, even while a link is swapped into the path") {
    // Issue 14: the site's policy judged realpath(path), resolved after the open: a link swapped
    // in between made a denied image pass as an allowed one. The path now comes from the descriptor.
    TempDir scratch("hpc-image-race");
    fs::path dir = scratch.path();
    fs::create_directories(dir / "user/image");
    fs::create_directories(dir / "denied");
    fs::create_symlink("../denied", dir / "user/decoy");
    const std::string given = (dir / "user/image").string(), denied = (dir / "denied").string();
    struct stat denied_status {};
    REQUIRE(::stat(denied.c_str(), &denied_status) == 0);
    pid_t swapper = ::fork();
    if (swapper == 0)
        for (;;) ::renameat2(AT_FDCWD, given.c_str(), AT_FDCWD, (dir / "user/decoy").c_str(), RENAME_EXCHANGE);
    int mismatches = 0, denied_opened = 0;
    for (int round = 0; round < 3000; ++round) {
        ImageFile image = ImageFile::open(given);
        struct stat opened {};
        REQUIRE(::fstat(image.fd(), &opened) == 0);
        bool is_denied = opened.st_ino == denied_status.st_ino;
        denied_opened += is_denied;
        mismatches += is_denied != (image.resolved_path() == denied);
    }
    ::kill(swapper, SIGKILL);
    ::waitpid(swapper, nullptr, 0);
    INFO("the denied directory was opened " << denied_opened << " times of 3000");
    CHECK(mismatches == 0);
}
