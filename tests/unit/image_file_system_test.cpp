// ImageFile::open_file_system: the image files used beside a root (an --overlay, an image bind's
// source), made at test time by mksquashfs, mkfs.ext3 and siftool as users make them.
#include "common/byte_source.hpp"
#include "common/error.hpp"
#include "image/tree/ext_superblock.hpp"
#include "image/tree/image_file.hpp"

#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace fs = std::filesystem;
using hpc::image::FileSystemChoice;
using hpc::image::FileSystemType;
using hpc::image::ImageFile;
using hpc::image::ImageFormat;

namespace {

// A private directory, removed with its contents when the test ends.
class TempDir {
public:
    fs::path operator/(const std::string& name) const { return fs::path(directory_.path()) / name; }

private:
    hpc::test::TempDir directory_{"hpc-file-system-test"};
};

bool have_tools(std::initializer_list<const char*> tools) {
    for (const char* tool : tools) {
        if (std::system(("command -v " + std::string(tool) + " >/dev/null").c_str()) == 0) continue;
        WARN("SKIPPED: " << tool << " not found on PATH, nothing checked");
        return false;
    }
    return true;
}

void run(const std::string& command) {
    int status = std::system((command + " >/dev/null 2>&1").c_str());
    INFO(command);
    REQUIRE(status == 0);
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A squashfs (img.sqfs) and an ext3 (img.ext3) of one small tree.
void make_file_systems(const TempDir& dir) {
    fs::create_directories(dir / "tree/upper");
    std::ofstream(dir / "tree/hello") << "hello\n";
    run("mksquashfs " + (dir / "tree").string() + " " + (dir / "img.sqfs").string() + " -noappend -quiet");
    run("mkfs.ext3 -q -F -d " + (dir / "tree").string() + " " + (dir / "img.ext3").string() + " 2M");
}

// A SIF of the squashfs (id 1, primary) and, with `overlay`, the ext3 as its overlay (id 2).
fs::path make_sif(const TempDir& dir, bool overlay) {
    fs::path sif = dir / (overlay ? "overlay.sif" : "plain.sif");
    run("siftool new " + sif.string());
    run("siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 " + sif.string() + " " +
        (dir / "img.sqfs").string());
    if (overlay)
        run("siftool add --datatype 4 --parttype 4 --partfs 2 --partarch 2 " + sif.string() + " " +
            (dir / "img.ext3").string());
    return sif;
}

hpc::Error open_error(const fs::path& path, FileSystemChoice choice) {
    try {
        ImageFile::open_file_system(path.string(), choice);
    } catch (const hpc::Error& error) {
        return error;
    }
    FAIL("open_file_system accepted " << path);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a bare squashfs and a bare ext3 open as one file system spanning the file") {
    if (!have_tools({"mksquashfs", "mkfs.ext3"})) return;
    TempDir dir;
    make_file_systems(dir);
    ImageFile squashfs = ImageFile::open_file_system((dir / "img.sqfs").string(), {});
    CHECK(squashfs.format() == ImageFormat::squashfs);
    CHECK(squashfs.file_system() == FileSystemType::squashfs);
    CHECK(squashfs.extent().offset == 0);
    CHECK(squashfs.extent().size == fs::file_size(dir / "img.sqfs"));
    ImageFile ext3 = ImageFile::open_file_system((dir / "img.ext3").string(), {});
    CHECK(ext3.format() == ImageFormat::ext3);
    CHECK(ext3.file_system() == FileSystemType::ext3);
    CHECK(ext3.extent().size == 2 * 1024 * 1024);
}

TEST_CASE("in a SIF id picks a partition and an overlay uses the ext3 overlay partition when there is one") {
    if (!have_tools({"mksquashfs", "mkfs.ext3", "siftool"})) return;
    TempDir dir;
    make_file_systems(dir);
    fs::path with_overlay = make_sif(dir, true);
    std::string bytes = read_all(with_overlay);

    ImageFile primary = ImageFile::open_file_system(with_overlay.string(), {});
    CHECK(primary.format() == ImageFormat::sif);
    CHECK(primary.file_system() == FileSystemType::squashfs);
    CHECK(bytes.substr(primary.extent().offset, 4) == "hsqs");

    ImageFile overlay = ImageFile::open_file_system(with_overlay.string(), {.sif_id = std::nullopt, .overlay_partition = true});
    CHECK(overlay.file_system() == FileSystemType::ext3);
    CHECK(overlay.extent().size == 2 * 1024 * 1024);
    CHECK(bytes.substr(overlay.extent().offset + 1080, 2) == "\x53\xef");

    ImageFile by_id = ImageFile::open_file_system(with_overlay.string(), {.sif_id = 2, .overlay_partition = true});
    CHECK(by_id.extent().offset == overlay.extent().offset);
    ImageFile first = ImageFile::open_file_system(with_overlay.string(), {.sif_id = 1, .overlay_partition = true});
    CHECK(first.file_system() == FileSystemType::squashfs);

    // Without an overlay partition, an overlay is the SIF's own squashfs, read-only.
    ImageFile plain = ImageFile::open_file_system(make_sif(dir, false).string(), {.sif_id = std::nullopt, .overlay_partition = true});
    CHECK(plain.file_system() == FileSystemType::squashfs);
}

TEST_CASE("what is no usable file system is refused with the reason") {
    if (!have_tools({"mksquashfs", "mkfs.ext3", "siftool"})) return;
    TempDir dir;
    make_file_systems(dir);
    fs::path sif = make_sif(dir, true);
    hpc::Error missing_id = open_error(sif, {.sif_id = 7});
    CHECK(std::string(missing_id.what()) == sif.string() + ": no object with id 7");
    CHECK(missing_id.code() == hpc::ExitCode::data);

    hpc::Error id_of_no_sif = open_error(dir / "img.sqfs", {.sif_id = 1});
    CHECK(std::string(id_of_no_sif.what()) ==
          (dir / "img.sqfs").string() + ": id=1 picks a SIF partition, and this is no SIF");
    CHECK(id_of_no_sif.code() == hpc::ExitCode::usage);

    std::ofstream(dir / "text") << std::string(4096, 'x');
    CHECK(std::string(open_error(dir / "text", {}).what()) == (dir / "text").string() + ": not a squashfs, ext3 or SIF image");
    CHECK(std::string(open_error(dir / "tree", {}).what()) == (dir / "tree").string() + ": a directory, not an image file");

    // An ext3 cut short: its superblock promises blocks the file has not got.
    fs::resize_file(dir / "img.ext3", 1024 * 1024);
    hpc::Error truncated = open_error(dir / "img.ext3", {});
    CHECK(std::string(truncated.what()) == (dir / "img.ext3").string() +
                                               ": ext superblock: 2048 blocks of 1024 bytes do not fit the 1048576 "
                                               "bytes it lies in (a truncated image?)");
    CHECK(truncated.code() == hpc::ExitCode::data);
}

TEST_CASE("an ext superblock with an impossible block size is refused") {
    std::string bytes(4096, '\0');
    bytes[1024 + 0x38] = '\x53';
    bytes[1024 + 0x39] = '\xef';
    bytes[1024 + 0x18] = 9;  // 1024 << 9
    bytes[1024 + 0x4] = 1;
    hpc::MemoryByteSource source(bytes);
    CHECK(hpc::image::has_ext_magic(source, 0));
    CHECK_THROWS_WITH(hpc::image::check_ext_superblock(source, 0, bytes.size()),
                      "ext superblock: block size 1024 << 9 is not one ext allows");
    CHECK_THROWS_WITH(hpc::image::check_ext_superblock(hpc::MemoryByteSource(std::string(4096, '\0')), 0, 4096),
                      "not an ext2/3/4 file system");
}
