#include "common/error.hpp"
#include "common/regular_file.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::read_regular_file;
using hpc::test::error_message;
using hpc::test::TempDir;
using hpc::test::write_host_file;

namespace {

std::string error_reading(const std::string& path, ExitCode expected, std::size_t max_bytes = 16) {
    return error_message([&] { read_regular_file(path, max_bytes, "--env-file " + path); }, expected);
}

}  // namespace

TEST_CASE("regular file: read whole, up to and including the limit") {
    TempDir dir;
    write_host_file(dir.path() + "/empty", "");
    write_host_file(dir.path() + "/full", std::string(16, 'x'));
    CHECK(read_regular_file(dir.path() + "/empty", 16, "f") == "");
    CHECK(read_regular_file(dir.path() + "/full", 16, "f") == std::string(16, 'x'));
}

TEST_CASE("regular file: one byte past the limit is refused, named with the limit") {
    TempDir dir;
    std::string path = dir.path() + "/large";
    write_host_file(path, std::string(17, 'x'));
    CHECK(error_reading(path, ExitCode::usage) == "--env-file " + path + ": larger than 16 bytes");
}

// A size fstat cannot tell: the read itself stops at the limit.
TEST_CASE("regular file: a file whose size says 0 is still read no further than the limit") {
    CHECK(error_reading("/proc/self/maps", ExitCode::usage, 8) == "--env-file /proc/self/maps: larger than 8 bytes");
}

TEST_CASE("regular file: devices, FIFOs and directories are refused before any read") {
    TempDir dir;
    std::string fifo = dir.path() + "/fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Without O_NONBLOCK the open of a FIFO with no writer would never return.
    CHECK(error_reading(fifo, ExitCode::usage) == "--env-file " + fifo + ": not a regular file");
    CHECK(error_reading("/dev/zero", ExitCode::usage) == "--env-file /dev/zero: not a regular file");
    CHECK(error_reading(dir.path(), ExitCode::usage) == "--env-file " + dir.path() + ": not a regular file");
}

TEST_CASE("regular file: a missing file is missing input, with the system's cause") {
    TempDir dir;
    std::string path = dir.path() + "/none";
    CHECK(error_reading(path, ExitCode::no_input) == "--env-file " + path + ": No such file or directory");
    CHECK(error_reading(path + "/below", ExitCode::no_input) ==
          "--env-file " + path + "/below: No such file or directory");
}
