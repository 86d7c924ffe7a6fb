// ImageFile::open on real files: squashfs images written by mksquashfs and SIFs assembled by
// siftool at test time, so that what hpc accepts is what the rest of the ecosystem writes.
// Where a tool is missing the test says so and skips; it never passes without running.
#include "common/error.hpp"
#include "image/tree/image_file.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using hpc::image::ImageFile;
using hpc::image::ImageFormat;

namespace {

// A private directory under /tmp, removed with its contents when the test ends.
class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/hpc-image-file-test.XXXXXX";
        if (!::mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
        path_ = fs::canonical(name);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

bool on_path(const std::string& tool) {
    const char* path = std::getenv("PATH");
    std::istringstream folders(path ? path : "");
    for (std::string folder; std::getline(folders, folder, ':');)
        if (!folder.empty() && ::access((fs::path(folder) / tool).c_str(), X_OK) == 0) return true;
    return false;
}

// False, with a warning in the test report, when a tool the test needs is missing.
bool have_tools(std::initializer_list<const char*> tools) {
    for (const char* tool : tools) {
        if (on_path(tool)) continue;
        WARN("SKIPPED: " << tool << " not found on PATH, nothing checked");
        return false;
    }
    return true;
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

// Runs a shell command (its arguments are paths this file made, with no shell characters)
// and fails the test with its output if it fails.
void run(const std::string& command, const TempDir& dir) {
    fs::path log = dir / "command.log";
    int status = std::system((command + " >" + log.string() + " 2>&1").c_str());
    INFO(command << "\n" << read_all(log));
    REQUIRE(status == 0);
}

// A tiny tree with 64 KiB of incompressible bytes, so the file system is larger than the
// 4 KiB that mksquashfs pads to and a cut through its middle loses data.
fs::path make_squashfs(const TempDir& dir) {
    fs::create_directories(dir / "tree/sub");
    write_all(dir / "tree/hello", "hello\n");
    std::mt19937 random(7);
    std::string blob(65536, '\0');
    for (char& byte : blob) byte = static_cast<char>(random());
    write_all(dir / "tree/sub/blob", blob);
    run("mksquashfs " + (dir / "tree").string() + " " + (dir / "img.sqfs").string() + " -noappend -quiet -no-progress",
        dir);
    return dir / "img.sqfs";
}

// `siftool add` of `object` as the primary system partition, as Apptainer lays out a SIF.
fs::path make_sif(const TempDir& dir, const fs::path& object, int fs_type, const std::string& arch_code) {
    fs::path sif = dir / "x.sif";
    fs::remove(sif);
    run("siftool new " + sif.string(), dir);
    run("siftool add --datatype 4 --parttype 2 --partfs " + std::to_string(fs_type) + " --partarch " +
            std::to_string(std::stoi(arch_code)) + " --groupid 1 " + sif.string() + " " + object.string(),
        dir);
    return sif;
}

std::string host_arch() { return std::string(hpc::image::host_sif_arch()); }

// The error ImageFile::open must throw; fails the test if it opens the path.
hpc::Error open_error(const fs::path& path, std::string_view arch = hpc::image::host_sif_arch()) {
    try {
        ImageFile::open(path.string(), arch);
    } catch (const hpc::Error& error) {
        return error;
    }
    FAIL("ImageFile::open accepted " << path);
    throw std::logic_error("unreachable");
}

void check_refused(const fs::path& path, const std::string& message, std::string_view arch = hpc::image::host_sif_arch()) {
    hpc::Error error = open_error(path, arch);
    CHECK(std::string(error.what()) == path.string() + ": " + message);
    CHECK(error.code() == hpc::ExitCode::data);
}

uint64_t squashfs_bytes_used(const fs::path& squashfs) {
    std::string superblock = read_all(squashfs).substr(0, 96);
    uint64_t bytes_used = 0;
    std::memcpy(&bytes_used, superblock.data() + 40, sizeof bytes_used);
    return bytes_used;
}

fs::path fixture(const std::string& name) { return fs::path(HPC_FIXTURES_DIR) / "sif" / name; }

}  // namespace

TEST_CASE("a bare squashfs from mksquashfs opens as one file system spanning the file") {
    if (!have_tools({"mksquashfs"})) return;
    TempDir dir;
    fs::path squashfs = make_squashfs(dir);
    ImageFile image = ImageFile::open(squashfs.string());
    CHECK(image.format() == ImageFormat::squashfs);
    CHECK(hpc::image::format_name(image.format()) == "squashfs");
    CHECK(image.file_size() == fs::file_size(squashfs));
    CHECK(image.squashfs().offset == 0);
    CHECK(image.squashfs().size == fs::file_size(squashfs));
    CHECK(image.resolved_path() == squashfs.string());
    CHECK_FALSE(image.sif().has_value());
    CHECK(image.fd() >= 0);
}

TEST_CASE("a SIF from siftool opens at its partition, 4096-aligned, holding the squashfs's bytes") {
    if (!have_tools({"mksquashfs", "siftool"})) return;
    TempDir dir;
    fs::path squashfs = make_squashfs(dir);
    fs::path sif = make_sif(dir, squashfs, 1, host_arch());
    ImageFile image = ImageFile::open(sif.string());
    CHECK(image.format() == ImageFormat::sif);
    CHECK(hpc::image::format_name(image.format()) == "sif");
    REQUIRE(image.sif().has_value());
    REQUIRE(image.sif()->descriptors.size() == 1);
    const auto& partition = image.sif()->descriptors[0];
    CHECK(partition.group_id == 1);
    CHECK(partition.arch == host_arch());
    CHECK(image.squashfs().offset == partition.offset);
    // siftool's table ends at 4096 + 48 x 585 = 32176; the partition starts at the next 4096.
    CHECK(image.squashfs().offset == 32768);
    CHECK(image.squashfs().size == fs::file_size(squashfs));
    CHECK(read_all(sif).substr(image.squashfs().offset, image.squashfs().size) == read_all(squashfs));
    CHECK(image.resolved_path() == sif.string());
}

TEST_CASE("a symlink to an image keeps the given path and resolves to the target") {
    if (!have_tools({"mksquashfs"})) return;
    TempDir dir;
    fs::path squashfs = make_squashfs(dir);
    fs::create_symlink("img.sqfs", dir / "link.sqfs");
    ImageFile image = ImageFile::open((dir / "link.sqfs").string());
    CHECK(image.path() == (dir / "link.sqfs").string());
    CHECK(image.resolved_path() == squashfs.string());
}

TEST_CASE("a directory opens as a directory image") {
    TempDir dir;
    fs::create_directories(dir / "rootfs/bin");
    ImageFile image = ImageFile::open((dir / "rootfs/bin/..").string());
    CHECK(image.format() == ImageFormat::directory);
    CHECK(hpc::image::format_name(image.format()) == "dir");
    CHECK(image.resolved_path() == (dir / "rootfs").string());
    CHECK(image.fd() >= 0);
    CHECK(image.squashfs().size == 0);
}

TEST_CASE("a missing image is missing input, and says so with its path") {
    TempDir dir;
    hpc::Error error = open_error(dir / "missing.sif");
    CHECK(std::string(error.what()) == (dir / "missing.sif").string() + ": open: No such file or directory");
    CHECK(error.code() == hpc::ExitCode::no_input);
}

TEST_CASE("a file that is no image, or no file, is refused by its content") {
    TempDir dir;
    write_all(dir / "notes.sif", "just some text, named like an image\n");
    check_refused(dir / "notes.sif", "not a container image (neither SIF, squashfs nor a directory)");
    // Opening a FIFO with no writer would block for ever; it must be refused at once.
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    check_refused(dir / "fifo", "not a regular file or a directory");
}

TEST_CASE("a truncated squashfs is refused with how much is missing") {
    if (!have_tools({"mksquashfs"})) return;
    TempDir dir;
    fs::path squashfs = make_squashfs(dir);
    uint64_t bytes_used = squashfs_bytes_used(squashfs);
    REQUIRE(bytes_used > 8192);
    write_all(dir / "half.sqfs", read_all(squashfs).substr(0, bytes_used / 2));
    check_refused(dir / "half.sqfs", "squashfs truncated: it needs " + std::to_string(bytes_used) + " bytes, " +
                                         std::to_string(bytes_used / 2) + " are there");
    write_all(dir / "stub.sqfs", read_all(squashfs).substr(0, 50));
    check_refused(dir / "stub.sqfs", "squashfs truncated: 50 bytes, shorter than a superblock");
}

TEST_CASE("a SIF cut short is refused before its partition is trusted") {
    if (!have_tools({"mksquashfs", "siftool"})) return;
    TempDir dir;
    fs::path sif = make_sif(dir, make_squashfs(dir), 1, host_arch());
    uint64_t size = fs::file_size(sif);
    fs::resize_file(sif, 50000);
    check_refused(sif, "data section ends past end of file (offset 32176, size " + std::to_string(size - 32176) +
                           ", file 50000)");
    fs::resize_file(sif, 100);
    check_refused(sif, "truncated SIF header: 100 bytes, a header is 128");
}

TEST_CASE("a SIF whose primary partition is no squashfs for this machine is refused") {
    if (!have_tools({"mksquashfs", "siftool"})) return;
    TempDir dir;
    fs::path squashfs = make_squashfs(dir);
    check_refused(make_sif(dir, squashfs, 2, host_arch()),
                  "the primary partition is ext3, which hpc does not run (squashfs only)");
    check_refused(make_sif(dir, squashfs, 4, host_arch()),
                  "the primary partition is raw data, not a file system hpc can run (squashfs only)");
    std::string other_arch = host_arch() == "04" ? "02" : "04";
    check_refused(make_sif(dir, squashfs, 1, other_arch), "the primary partition is for " +
                                                              hpc::image::sif_arch_name(other_arch) +
                                                              ", this machine is " +
                                                              hpc::image::sif_arch_name(host_arch()));
    write_all(dir / "text", "squashfs in name only\n");
    check_refused(make_sif(dir, dir / "text", 1, host_arch()), "not a squashfs file system (bad magic)");
}

TEST_CASE("the reference library's fixtures open as far as their partitions allow") {
    // The 4096-byte primary partitions hold a real 386 squashfs (one hello.txt); the legacy
    // fixture's is 4 placeholder bytes.
    if (host_arch() != "01")
        check_refused(fixture("one-group.sif"),
                      "the primary partition is for 386, this machine is " + hpc::image::sif_arch_name(host_arch()));
    ImageFile image = ImageFile::open(fixture("one-group.sif").string(), "01");
    CHECK(image.format() == ImageFormat::sif);
    CHECK(image.squashfs().offset == 36864);
    CHECK(image.squashfs().size == 4096);
    check_refused(fixture("two-groups-signed-legacy-all.sif"), "not a squashfs file system (bad magic)", "01");
    check_refused(fixture("empty.sif"), "no partition: the SIF holds no file system to run");
}
