// A system call that fails names what hpc was doing and why, never the call alone: each case
// makes the call fail for real (no descriptor left, a working directory removed) and reads the
// one line the user would see.
#include "common/error.hpp"
#include "common/pipe.hpp"
#include "sandbox/run/gather_host_facts.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

using hpc::ExitCode;
using hpc::test::error_message;
using hpc::test::TempDir;

namespace {

// Lowers this process's descriptor limit to none for its lifetime: every new descriptor fails
// with EMFILE. The limit goes back up at once, before Catch2 needs a descriptor to report.
class NoNewDescriptors {
public:
    NoNewDescriptors() {
        REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
        rlimit none = saved_;
        none.rlim_cur = 0;
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &none) == 0);
    }
    ~NoNewDescriptors() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
    NoNewDescriptors(const NoNewDescriptors&) = delete;
    NoNewDescriptors& operator=(const NoNewDescriptors&) = delete;

private:
    rlimit saved_{};
};

// Sits in a directory that is then removed, without $PWD, and goes back where it was (and
// restores $PWD) at its end.
class InRemovedDirectory {
public:
    InRemovedDirectory() : back_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        REQUIRE(back_ >= 0);
        if (const char* pwd = std::getenv("PWD")) pwd_ = pwd;
        REQUIRE(::chdir(directory_.path().c_str()) == 0);
        REQUIRE(::rmdir(directory_.path().c_str()) == 0);
        ::unsetenv("PWD");
    }
    ~InRemovedDirectory() {
        if (::fchdir(back_) != 0) std::abort();  // every later case would run in the wrong place
        ::close(back_);
        if (pwd_) ::setenv("PWD", pwd_->c_str(), 1);
    }
    InRemovedDirectory(const InRemovedDirectory&) = delete;
    InRemovedDirectory& operator=(const InRemovedDirectory&) = delete;

private:
    TempDir directory_;
    int back_;
    std::optional<std::string> pwd_;
};

}  // namespace

TEST_CASE("system errors: a pipe that cannot be made names what it was for", "[errors]") {
    std::string message = error_message(
        [] {
            NoNewDescriptors limit;
            hpc::Pipe pipe("the payload's start-up report");
        },
        ExitCode::os);
    CHECK(message == "make a pipe for the payload's start-up report: " + std::string(std::strerror(EMFILE)));
}

TEST_CASE("system errors: a removed working directory is named as the launch's, with the cause", "[errors]") {
    std::string message = error_message(
        [] {
            InRemovedDirectory removed;
            hpc::sandbox::gather_host_facts();
        },
        ExitCode::no_input);
    CHECK(message == "find the working directory to carry into the container (getcwd): " +
                         std::string(std::strerror(ENOENT)));
}
