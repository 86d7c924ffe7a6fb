#include "common/pipe.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"

#include "image_fixture.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <thread>

using hpc::BoundedRead;
using hpc::read_to_end;
using hpc::UniqueFd;

namespace {

// `content` written to a pipe by another thread, in pieces of `piece` bytes, then closed. The
// reader reads max_bytes + 1 at most: callers keep `content` within that, so that no write
// meets a closed pipe.
BoundedRead read_from_pipe(const std::string& content, std::size_t max_bytes, std::size_t piece = 1000) {
    hpc::Pipe pipe("read_to_end_test");
    std::thread writer([&] {
        for (std::size_t done = 0; done < content.size();) {
            ssize_t wrote = ::write(pipe.write.get(), content.data() + done, std::min(piece, content.size() - done));
            if (wrote <= 0) break;
            done += static_cast<std::size_t>(wrote);
        }
        pipe.write.reset();
    });
    BoundedRead read = read_to_end(pipe.read.get(), max_bytes);
    writer.join();
    return read;
}

std::string pattern(std::size_t size) {
    std::string text(size, '\0');
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 26);
    return text;
}

}  // namespace

TEST_CASE("read_to_end: everything up to the end, in as many reads as it takes", "[read_to_end]") {
    std::string large = pattern(300 * 1024 + 7);  // several of its 64 KiB reads
    BoundedRead read = read_from_pipe(large, large.size());
    CHECK(read.bytes == large);
    CHECK_FALSE(read.too_large);
    CHECK(read.error == 0);
    CHECK(read_from_pipe("", 16).bytes.empty());
    CHECK_FALSE(read_from_pipe("", 16).too_large);
}

TEST_CASE("read_to_end: exactly the limit is whole, one byte more is too large", "[read_to_end]") {
    std::string text = pattern(100);
    BoundedRead exact = read_from_pipe(text, 100, 7);
    CHECK(exact.bytes == text);
    CHECK_FALSE(exact.too_large);
    BoundedRead over = read_from_pipe(text + "!", 100, 7);
    CHECK(over.too_large);
    CHECK(over.bytes == text);  // the first max_bytes, no more
    CHECK(over.error == 0);
    BoundedRead nothing_allowed = read_from_pipe("x", 0);
    CHECK(nothing_allowed.too_large);
    CHECK(nothing_allowed.bytes.empty());
}

// The reading stops at the limit: a source that never ends is not read into memory.
TEST_CASE("read_to_end: an endless source stops one byte past the limit", "[read_to_end]") {
    UniqueFd zero(::open("/dev/zero", O_RDONLY | O_CLOEXEC));
    REQUIRE(zero);
    BoundedRead read = read_to_end(zero.get(), 1 << 20);
    CHECK(read.too_large);
    CHECK(read.bytes == std::string(1 << 20, '\0'));
}

TEST_CASE("read_to_end: a failed read gives its errno and what came before", "[read_to_end]") {
    hpc::test::TempDir dir;
    UniqueFd directory(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(directory);
    BoundedRead read = read_to_end(directory.get(), 16);
    CHECK(read.error == EISDIR);
    CHECK(read.bytes.empty());
    CHECK_FALSE(read.too_large);
    CHECK(read_to_end(-1, 16).error == EBADF);
}

TEST_CASE("read_to_end: reads from the descriptor's offset", "[read_to_end]") {
    hpc::test::TempDir dir;
    std::string path = dir.path() + "/file";
    hpc::test::write_host_file(path, "0123456789");
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(file);
    REQUIRE(::lseek(file.get(), 4, SEEK_SET) == 4);
    CHECK(read_to_end(file.get(), 6).bytes == "456789");
    CHECK_FALSE(read_to_end(file.get(), 6).too_large);
}
