#include "common/error.hpp"
#include "common/pipe.hpp"
#include "common/write_file.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <thread>

using hpc::IfExists;
using hpc::write_file;
using hpc::test::read_host_file;
using hpc::test::TempDir;
using hpc::test::write_host_file;

namespace {

mode_t mode_of(const std::string& path) {
    struct stat status {};
    REQUIRE(::lstat(path.c_str(), &status) == 0);
    return status.st_mode & 07777;
}

// The umask write_file's modes are made under, for the length of a test.
class Umask {
public:
    explicit Umask(mode_t mask) : old_(::umask(mask)) {}
    ~Umask() { ::umask(old_); }
    Umask(const Umask&) = delete;
    Umask& operator=(const Umask&) = delete;

private:
    mode_t old_;
};

}  // namespace

TEST_CASE("write_file: a new file gets the content and the mode less the umask", "[write_file]") {
    TempDir dir;
    Umask mask(022);
    write_file(dir.path() + "/script", "#!/bin/sh\n", 0775);
    CHECK(read_host_file(dir.path() + "/script") == "#!/bin/sh\n");
    CHECK(mode_of(dir.path() + "/script") == 0755);
    write_file(dir.path() + "/empty", "", 0600);
    CHECK(read_host_file(dir.path() + "/empty").empty());
    CHECK(mode_of(dir.path() + "/empty") == 0600);
}

TEST_CASE("write_file: replace empties the file first and keeps its mode", "[write_file]") {
    TempDir dir;
    std::string path = dir.path() + "/file";
    write_host_file(path, "a longer old content\n", 0600);
    write_file(path, "new\n", 0644);
    CHECK(read_host_file(path) == "new\n");
    CHECK(mode_of(path) == 0600);
}

TEST_CASE("write_file: append adds after the content, refuse leaves a file alone", "[write_file]") {
    TempDir dir;
    std::string path = dir.path() + "/file";
    write_file(path, "one\n", 0644, IfExists::append);
    write_file(path, "two\n", 0644, IfExists::append);
    CHECK(read_host_file(path) == "one\ntwo\n");
    hpc::Error error = hpc::test::thrown_error([&] { write_file(path, "three\n", 0644, IfExists::refuse); });
    CHECK(error.sys_errno() == EEXIST);
    CHECK(std::string(error.what()) == "write " + path + ": File exists");
    CHECK(read_host_file(path) == "one\ntwo\n");
    write_file(dir.path() + "/new", "made\n", 0644, IfExists::refuse);
    CHECK(read_host_file(dir.path() + "/new") == "made\n");
}

// A link where a file is written would send the content, and the truncation, where it points.
TEST_CASE("write_file: a symbolic link at the path is refused, its target untouched", "[write_file]") {
    TempDir dir;
    std::string target = dir.path() + "/target";
    std::string link = dir.path() + "/link";
    write_host_file(target, "precious\n");
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
    for (IfExists if_exists : {IfExists::replace, IfExists::append, IfExists::refuse}) {
        hpc::Error error = hpc::test::thrown_error([&] { write_file(link, "overwritten\n", 0644, if_exists); });
        CHECK(error.sys_errno() == (if_exists == IfExists::refuse ? EEXIST : ELOOP));
        CHECK(std::string(error.what()).starts_with("write " + link + ": "));
    }
    CHECK(read_host_file(target) == "precious\n");
}

TEST_CASE("write_file: a missing directory names the path and the cause", "[write_file]") {
    TempDir dir;
    std::string path = dir.path() + "/none/file";
    CHECK(hpc::test::error_message([&] { write_file(path, "x", 0644); }, hpc::ExitCode::no_input) ==
          "write " + path + ": No such file or directory");
}

// More than a pipe holds, so that the writes are short and the loop must go on.
TEST_CASE("write_all: everything, through as many writes as it takes", "[write_file]") {
    hpc::Pipe pipe("write_file_test");
    std::string content(1 << 20, 'x');
    for (std::size_t i = 0; i < content.size(); i += 4099) content[i] = static_cast<char>('a' + i % 26);
    std::string received;
    std::thread reader([&] {
        char buffer[4096];
        for (ssize_t got; (got = ::read(pipe.read.get(), buffer, sizeof buffer)) > 0;)
            received.append(buffer, static_cast<std::size_t>(got));
    });
    hpc::write_all(pipe.write.get(), content, "the pipe");
    pipe.write.reset();
    reader.join();
    CHECK(received == content);
}
