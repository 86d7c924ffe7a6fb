// Whether a served image file was changed in place (image/serve/image_change.hpp): a write or a
// truncation is; a rename over its name or its removal is not, for the file held open.
#include "image/serve/image_change.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

using hpc::image::ImageChange;

namespace {

struct ScratchFile {
    std::string directory;
    std::string path;
    int fd = -1;

    ScratchFile() {
        char name[] = "/tmp/hpc-image-change-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        directory = name;
        path = directory + "/app.sif";
        write_file(path, "the image's bytes");
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        REQUIRE(fd >= 0);
    }
    ~ScratchFile() {
        ::close(fd);
        std::remove(path.c_str());
        std::remove((directory + "/next.sif").c_str());
        ::rmdir(directory.c_str());
    }

    static void write_file(const std::string& at, const std::string& bytes, int flags = O_TRUNC) {
        int out = ::open(at.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
        REQUIRE(out >= 0);
        REQUIRE(::write(out, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
        ::close(out);
    }
};

// A modification time a whole second later than now's, so that a coarse clock cannot hide it.
void age(const std::string& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    timespec times[2] = {status.st_atim, status.st_mtim};
    times[1].tv_sec -= 10;
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("image change: a file written in place is changed, for good", "[image_change]") {
    ScratchFile file;
    age(file.path);
    ImageChange change(file.fd);
    CHECK_FALSE(change.seen());
    CHECK_FALSE(change.was_seen());
    ScratchFile::write_file(file.path, "another image's bytes!");  // cp over it: truncated, written
    CHECK(change.seen());
    CHECK(change.was_seen());
    ScratchFile::write_file(file.path, "the image's bytes");  // the same size again: still changed
    CHECK(change.seen());
}

TEST_CASE("image change: the same size written again in place is seen by its modification time", "[image_change]") {
    ScratchFile file;
    age(file.path);
    ImageChange change(file.fd);
    ScratchFile::write_file(file.path, "THE IMAGE'S BYTES", 0);  // dd conv=notrunc: same size
    CHECK(change.seen());
}

TEST_CASE("image change: a file written in place by design is changed only in its size or superblock",
          "[image_change]") {
    ScratchFile file;
    ScratchFile::write_file(file.path, std::string(120, 'x'));
    age(file.path);
    ImageChange written(file.fd, 4);  // its 96 bytes at byte 4 stand for the squashfs's superblock
    int out = ::open(file.path.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(out >= 0);
    REQUIRE(::pwrite(out, "overlay", 7, 110) == 7);  // fuse2fs writing its partition, past the superblock
    CHECK_FALSE(written.seen());
    REQUIRE(::pwrite(out, "other", 5, 50) == 5);  // another image's superblock
    ::close(out);
    CHECK(written.seen());
}

TEST_CASE("image change: a rename over its name, or its removal, leaves the open file unchanged", "[image_change]") {
    ScratchFile file;
    age(file.path);
    ImageChange change(file.fd);
    std::string next = file.directory + "/next.sif";
    ScratchFile::write_file(next, "a rebuilt image, renamed into place");
    REQUIRE(::rename(next.c_str(), file.path.c_str()) == 0);
    CHECK_FALSE(change.seen());
    REQUIRE(::unlink(file.path.c_str()) == 0);
    CHECK_FALSE(change.seen());
}
