// SifWriter against the reference: our reader and siftool read what it writes, laid out as
// sylabs/sif lays it out, and with SOURCE_DATE_EPOCH the same inputs give the same bytes.
#include "common/unique_fd.hpp"
#include "common/byte_source.hpp"
#include "image/tree/image_file.hpp"
#include "image/sif/sif_writer.hpp"

#include "image_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hpc::image;
using hpc::test::TempDir;
using hpc::MemoryByteSource;

namespace {

const std::string definition = "Bootstrap: scratch\n\n%runscript\n    echo hi\n";

// A SIF holding `definition` and `partition` as its primary squashfs partition.
std::string write_sif(const std::string& path, const std::string& partition, std::optional<int64_t> epoch) {
    hpc::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    REQUIRE(fd);
    SifWriter writer(fd.get(), SifWriteOptions{epoch});
    writer.add_object(SifDataType::deffile, definition);
    uint64_t offset = writer.begin_partition();
    REQUIRE(::pwrite(fd.get(), partition.data(), partition.size(), static_cast<off_t>(offset)) ==
            static_cast<ssize_t>(partition.size()));
    writer.end_partition(partition.size(), SifFsType::squashfs, SifPartType::primary_system, "02");
    writer.finish(partition.substr(0, 96));
    return hpc::test::read_host_file(path);
}

}  // namespace

TEST_CASE("sif writer: the reference layout, read back by our reader", "[sif_writer]") {
    TempDir dir;
    std::string partition(10000, 'p');
    std::string bytes = write_sif(dir.path() + "/a.sif", partition, 1700000000);
    SifFile sif = read_sif(MemoryByteSource(bytes));
    CHECK(sif.header.version == "01");
    CHECK(sif.header.arch == "02");
    CHECK(sif.header.descriptors_total == 48);
    CHECK(sif.header.descriptors_free == 46);
    CHECK(sif.header.descriptors_offset == 4096);
    CHECK(sif.header.data_offset == 32176);
    CHECK(sif.header.created_at == 1700000000);
    CHECK(bytes.compare(0, 31, "#!/usr/bin/env run-singularity\n") == 0);
    REQUIRE(sif.descriptors.size() == 2);
    const SifDescriptor& def = sif.descriptors[0];
    CHECK(def.data_type == SifDataType::deffile);
    CHECK(def.offset == 32176);
    CHECK(bytes.substr(def.offset, def.size) == definition);
    const SifDescriptor& root = sif.descriptors[1];
    CHECK(root.offset == 32768);  // the next 4096 boundary
    CHECK(root.size == partition.size());
    CHECK(root.group_id == 1);
    CHECK(bytes.size() == root.offset + root.size);
    CHECK(sif.header.data_size == bytes.size() - 32176);
    CHECK(&select_root_partition(sif, "02") == &sif.descriptors[1]);
}

TEST_CASE("sif writer: reproducible with SOURCE_DATE_EPOCH, a fresh UUID without", "[sif_writer]") {
    TempDir dir;
    std::string partition(5000, 's');
    CHECK(write_sif(dir.path() + "/a.sif", partition, 42) == write_sif(dir.path() + "/b.sif", partition, 42));
    std::string other = write_sif(dir.path() + "/c.sif", std::string(5000, 't'), 42);
    CHECK(other.substr(48, 16) != write_sif(dir.path() + "/d.sif", partition, 42).substr(48, 16));
    std::string first = write_sif(dir.path() + "/e.sif", partition, std::nullopt);
    std::string second = write_sif(dir.path() + "/f.sif", partition, std::nullopt);
    CHECK(first.substr(48, 16) != second.substr(48, 16));
}

TEST_CASE("sif writer: the derived UUID is pinned: SHA-256 of the content and time, version 8", "[sif_writer]") {
    TempDir dir;
    std::string bytes = write_sif(dir.path() + "/a.sif", std::string(5000, 's'), 42);
    std::string uuid;
    for (unsigned char byte : bytes.substr(48, 16)) {
        uuid += "0123456789abcdef"[byte >> 4];
        uuid += "0123456789abcdef"[byte & 15];
    }
    // Python's hashlib says the same: sha256(b"s" * 96 + b"42"), first 16 bytes, version and
    // variant bits set. A change here changes every reproducible build's bytes: only on purpose.
    CHECK(uuid == "0f0b95b089cb8587b5cdc8e1200a850d");
}

TEST_CASE("sif writer: siftool reads what it writes, and the squashfs runs from it", "[sif_writer]") {
    if (hpc::test::run_command({"sh", "-c", "command -v siftool && command -v mksquashfs"}) != 0) {
        WARN("SKIPPED: siftool or mksquashfs missing, nothing checked");
        return;
    }
    TempDir dir;
    ::mkdir((dir.path() + "/tree").c_str(), 0755);
    hpc::test::write_host_file(dir.path() + "/tree/hello", "hello\n");
    REQUIRE(hpc::test::run_command({"mksquashfs", dir.path() + "/tree", dir.path() + "/img.sqfs", "-noappend", "-quiet",
                                    "-no-progress"}) == 0);
    write_sif(dir.path() + "/img.sif", hpc::test::read_host_file(dir.path() + "/img.sqfs"), 7);
    CHECK(hpc::test::run_command({"sh", "-c", "siftool list '" + dir.path() + "/img.sif' | grep -q 'Squashfs/\\*System/amd64'"}) == 0);
    // The partition siftool dumps is the squashfs, whole: unsquashfs lists the file in it.
    CHECK(hpc::test::run_command({"sh", "-c", "siftool dump 2 '" + dir.path() + "/img.sif' > '" + dir.path() +
                                                  "/dumped.sqfs' && unsquashfs -l '" + dir.path() +
                                                  "/dumped.sqfs' | grep -qx 'squashfs-root/hello'"}) == 0);
    ImageFile image = ImageFile::open(dir.path() + "/img.sif");
    CHECK(image.format() == ImageFormat::sif);
    CHECK(image.squashfs().offset == 32768);
}
