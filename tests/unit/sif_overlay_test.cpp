// add_overlay_partition against what sylabs/sif's AddObject writes: the first free slot, the
// data after the file's end aligned to 4096, the header's free count, data size and modification
// time; read back by read_sif (and siftool where it is installed); the refusals leave the file as
// it was, and so does a failure half-way.
#include "common/byte_source.hpp"
#include "common/unique_fd.hpp"
#include "image/sif/sif_overlay.hpp"
#include "image/sif/sif_writer.hpp"

#include "image_fixture.hpp"
#include "sif_builder.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hpc::image;
using hpc::test::TempDir;

namespace {

constexpr int64_t built_at = 1700000000;
constexpr int64_t added_at = 1800000000;

// A SIF as hpc build writes one: a definition, then a primary squashfs partition for `arch`.
void write_built_sif(const std::string& path, const std::string& arch = "02") {
    hpc::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    REQUIRE(fd);
    SifWriter writer(fd.get(), SifWriteOptions{built_at});
    writer.add_object(SifDataType::deffile, "Bootstrap: scratch\n");
    uint64_t offset = writer.begin_partition();
    std::string squashfs(5000, 'q');
    REQUIRE(::pwrite(fd.get(), squashfs.data(), squashfs.size(), static_cast<off_t>(offset)) ==
            static_cast<ssize_t>(squashfs.size()));
    writer.end_partition(squashfs.size(), SifFsType::squashfs, SifPartType::primary_system, arch);
    writer.finish(squashfs);
}

struct Added {
    SifDescriptor descriptor;
    std::string before;  // the SIF's bytes before
    std::string after;
};

// Adds `ext3` (a file's content) to the SIF at `sif_path` as its overlay.
Added add_overlay(const std::string& sif_path, const std::string& ext3_path, OverlayAppend options = {}) {
    Added added;
    added.before = hpc::test::read_host_file(sif_path);
    hpc::UniqueFd sif(::open(sif_path.c_str(), O_RDWR | O_CLOEXEC));
    hpc::UniqueFd ext3(::open(ext3_path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(sif);
    REQUIRE(ext3);
    struct stat status {};
    REQUIRE(::fstat(ext3.get(), &status) == 0);
    SifFile file = read_sif(hpc::MemoryByteSource(added.before));
    if (options.time == 0) options.time = added_at;
    added.descriptor =
        add_overlay_partition(sif.get(), file, ext3.get(), static_cast<uint64_t>(status.st_size), options);
    added.after = hpc::test::read_host_file(sif_path);
    return added;
}

uint64_t aligned(uint64_t offset) { return (offset + 4095) / 4096 * 4096; }

// The message and code of the error adding an overlay to `bytes` throws; the file stays as it was.
std::string refusal(const std::string& bytes) {
    TempDir dir;
    std::string sif_path = dir.path() + "/refused.sif";
    hpc::test::write_host_file(sif_path, bytes);
    hpc::test::write_host_file(dir.path() + "/overlay.ext3", std::string(8192, 'e'));
    std::string message =
        hpc::test::error_message([&] { add_overlay(sif_path, dir.path() + "/overlay.ext3"); }, hpc::ExitCode::data);
    CHECK(hpc::test::read_host_file(sif_path) == bytes);
    return message;
}

}  // namespace

TEST_CASE("sif overlay: added as sylabs/sif adds a partition, read back by read_sif", "[sif_overlay]") {
    TempDir dir;
    std::string sif_path = dir.path() + "/app.sif";
    write_built_sif(sif_path);
    std::string ext3 = hpc::test::random_bytes(3 * 4096 + 100, 7);
    hpc::test::write_host_file(dir.path() + "/overlay.ext3", ext3);
    Added added = add_overlay(sif_path, dir.path() + "/overlay.ext3");

    const uint64_t old_size = added.before.size();
    const uint64_t offset = aligned(old_size);
    REQUIRE(offset > old_size);  // the test's SIF ends off a boundary: the padding is counted
    const SifDescriptor& returned = added.descriptor;
    CHECK(returned.id == 3);  // slot 2: id = slot + 1, as the reference numbers objects
    CHECK(returned.offset == offset);
    CHECK(returned.size == ext3.size());

    SifFile sif = read_sif(hpc::MemoryByteSource(added.after));
    REQUIRE(sif.descriptors.size() == 3);
    const SifDescriptor& overlay = sif.descriptors[2];
    CHECK(overlay.data_type == SifDataType::partition);
    CHECK(overlay.fs_type == SifFsType::ext3);
    CHECK(overlay.part_type == SifPartType::overlay);
    CHECK(overlay.arch == "02");
    CHECK(overlay.id == 3);
    CHECK(overlay.group_id == 1);
    CHECK(overlay.linked_id == 0);
    CHECK(overlay.name.empty());
    CHECK(overlay.offset == offset);
    CHECK(overlay.size == ext3.size());
    CHECK(overlay.created_at == added_at);
    CHECK(overlay.modified_at == added_at);
    CHECK(find_overlay_partition(sif) == &sif.descriptors[2]);
    CHECK(&select_root_partition(sif, "02") == &sif.descriptors[1]);

    CHECK(sif.header.descriptors_free == 45);
    CHECK(sif.header.descriptors_total == 48);
    CHECK(sif.header.created_at == built_at);
    CHECK(sif.header.modified_at == added_at);
    CHECK(sif.header.data_offset == 32176);
    CHECK(sif.header.data_size == offset + ext3.size() - 32176);
    CHECK(sif.header.arch == "02");
    CHECK(added.after.size() == offset + ext3.size());
    CHECK(added.after.substr(offset) == ext3);
    CHECK(added.after.substr(old_size, offset - old_size) == std::string(offset - old_size, '\0'));

    // The raw record: size with padding from the old end of the data, group flag, uid and gid 0.
    const uint64_t slot = 4096 + 2 * 585;
    CHECK(sif_test::get<uint8_t>(added.after, slot + 4) == 1);
    CHECK(sif_test::get<uint32_t>(added.after, slot + 9) == (1u | 0xf0000000u));
    CHECK(sif_test::get<int64_t>(added.after, slot + 33) == static_cast<int64_t>(offset + ext3.size() - old_size));
    CHECK(sif_test::get<int64_t>(added.after, slot + 57) == 0);
    CHECK(sif_test::get<int64_t>(added.after, slot + 65) == 0);

    // Nothing else of the old file changed: the header's three fields and the slot alone.
    std::string expected = added.before;
    expected.replace(72, 16, added.after.substr(72, 16));    // modified at, descriptors free
    expected.replace(120, 8, added.after.substr(120, 8));    // data size
    expected.replace(slot, 585, added.after.substr(slot, 585));
    CHECK(added.after.substr(0, old_size) == expected);
}

TEST_CASE("sif overlay: holes stay holes without allocation, read as zeros either way", "[sif_overlay]") {
    TempDir dir;
    std::string ext3_path = dir.path() + "/overlay.ext3";
    const uint64_t ext3_size = 8 << 20;
    {
        hpc::UniqueFd ext3(::open(ext3_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        REQUIRE(ext3);
        REQUIRE(::ftruncate(ext3.get(), static_cast<off_t>(ext3_size)) == 0);
        REQUIRE(::pwrite(ext3.get(), "head", 4, 0) == 4);
        REQUIRE(::pwrite(ext3.get(), "tail", 4, static_cast<off_t>(ext3_size - 4)) == 4);
    }
    std::string expected(ext3_size, '\0');
    expected.replace(0, 4, "head");
    expected.replace(ext3_size - 4, 4, "tail");
    for (bool allocate : {false, true}) {
        std::string sif_path = dir.path() + (allocate ? "/allocated.sif" : "/sparse.sif");
        write_built_sif(sif_path);
        Added added = add_overlay(sif_path, ext3_path, OverlayAppend{added_at, allocate, {}});
        CHECK(added.after.substr(added.descriptor.offset) == expected);
        struct stat status {};
        REQUIRE(::stat(sif_path.c_str(), &status) == 0);
        const uint64_t allocated_bytes = static_cast<uint64_t>(status.st_blocks) * 512;
        INFO("allocate " << allocate << ", " << allocated_bytes << " bytes allocated");
        // The file systems tests run on (ext4, xfs, tmpfs) allocate ahead and keep holes.
        if (allocate)
            CHECK(allocated_bytes >= ext3_size);
        else
            CHECK(allocated_bytes < ext3_size / 2);
    }
}

TEST_CASE("sif overlay: the first free slot, and an id past the largest where slot + 1 is taken", "[sif_overlay]") {
    // Three objects in slots 0, 1, 2; slot 1 freed, as siftool del leaves it.
    std::string bytes =
        sif_test::build_sif({sif_test::generic_json(), sif_test::generic_json(), sif_test::squashfs_primary()});
    sif_test::put<uint8_t>(bytes, sif_test::descriptor_at(1) + sif_test::descriptor_field::used, 0);
    sif_test::put<uint64_t>(bytes, sif_test::header_field::descriptors_free, 2);
    TempDir dir;
    hpc::test::write_host_file(dir.path() + "/overlay.ext3", "ext3");

    hpc::test::write_host_file(dir.path() + "/hole.sif", bytes);
    Added added = add_overlay(dir.path() + "/hole.sif", dir.path() + "/overlay.ext3");
    CHECK(added.descriptor.id == 2);
    SifFile sif = read_sif(hpc::MemoryByteSource(added.after));
    REQUIRE(sif.descriptors.size() == 3);
    CHECK(sif.descriptors[1].id == 2);  // in table order: the freed slot
    CHECK(sif.descriptors[1].fs_type == SifFsType::ext3);
    CHECK(sif.header.descriptors_free == 1);

    // Another writer numbered slot 2's object 2: slot + 1 is taken, so the new one is 3, past the largest.
    sif_test::put<uint32_t>(bytes, sif_test::descriptor_at(2) + sif_test::descriptor_field::id, 2);
    hpc::test::write_host_file(dir.path() + "/renumbered.sif", bytes);
    added = add_overlay(dir.path() + "/renumbered.sif", dir.path() + "/overlay.ext3");
    CHECK(added.descriptor.id == 3);
    CHECK(read_sif(hpc::MemoryByteSource(added.after)).descriptors[1].id == 3);
}

TEST_CASE("sif overlay: the arch is the primary partition's, else this machine's", "[sif_overlay]") {
    TempDir dir;
    hpc::test::write_host_file(dir.path() + "/overlay.ext3", "ext3");
    write_built_sif(dir.path() + "/arm.sif", "04");
    CHECK(add_overlay(dir.path() + "/arm.sif", dir.path() + "/overlay.ext3").descriptor.arch == "04");
    write_built_sif(dir.path() + "/unknown.sif", "00");
    CHECK(add_overlay(dir.path() + "/unknown.sif", dir.path() + "/overlay.ext3").descriptor.arch == host_sif_arch());
    hpc::test::write_host_file(dir.path() + "/data.sif", sif_test::build_sif({sif_test::generic_json()}));
    Added added = add_overlay(dir.path() + "/data.sif", dir.path() + "/overlay.ext3");
    CHECK(added.descriptor.arch == host_sif_arch());
    CHECK(read_sif(hpc::MemoryByteSource(added.after)).header.arch == "00");  // no primary: as it was
}

TEST_CASE("sif overlay: refused for a signed SIF, a second overlay, a full table", "[sif_overlay]") {
    CHECK(refusal(sif_test::read_fixture("one-group-signed-dsse.sif")) ==
          "the SIF is signed (object 3 is a signature): an overlay partition added to it would not be covered by its "
          "signatures");
    std::string with_overlay = sif_test::build_sif({sif_test::squashfs_primary(), sif_test::partition(2, 4)});
    CHECK(refusal(with_overlay) ==
          "the SIF has a writable overlay partition already (ID 2): delete it first with siftool del 2");
    CHECK(refusal(sif_test::build_sif({sif_test::squashfs_primary(), sif_test::generic_json()}, 2)) ==
          "the SIF has no free descriptor for an overlay partition (all 2 in use)");
    // An ext3 data partition, or a squashfs overlay, is no writable overlay: find_overlay_partition
    // passes them by.
    SifFile others = read_sif(hpc::MemoryByteSource(
        sif_test::build_sif({sif_test::squashfs_primary(), sif_test::partition(2, 3), sif_test::partition(1, 4)})));
    CHECK(find_overlay_partition(others) == nullptr);
}

TEST_CASE("sif overlay: a failure half-way leaves the SIF as it was", "[sif_overlay]") {
    TempDir dir;
    std::string sif_path = dir.path() + "/app.sif";
    write_built_sif(sif_path);
    std::string before = hpc::test::read_host_file(sif_path);
    hpc::test::write_host_file(dir.path() + "/overlay.ext3", std::string(40 << 20, 'e'));
    int calls = 0;
    OverlayAppend options{added_at, true, [&calls] {
                              if (++calls == 2) throw hpc::Error(hpc::ExitCode::interrupted, "stop");
                          }};
    hpc::Error error = hpc::test::thrown_error([&] { add_overlay(sif_path, dir.path() + "/overlay.ext3", options); });
    CHECK(error.code() == hpc::ExitCode::interrupted);
    CHECK(calls == 2);
    CHECK(hpc::test::read_host_file(sif_path) == before);
}

TEST_CASE("sif overlay: siftool lists the partition as an ext3 overlay", "[sif_overlay]") {
    if (hpc::test::run_command({"sh", "-c", "command -v siftool >/dev/null"}) != 0) {
        WARN("SKIPPED: siftool missing, nothing checked");
        return;
    }
    TempDir dir;
    std::string sif_path = dir.path() + "/app.sif";
    write_built_sif(sif_path);
    hpc::test::write_host_file(dir.path() + "/overlay.ext3", std::string(10000, 'e'));
    add_overlay(sif_path, dir.path() + "/overlay.ext3");
    CHECK(hpc::test::run_command(
              {"sh", "-c", "siftool list '" + sif_path + "' | grep -q '^3 .*FS (Ext3/Overlay/amd64)'"}) == 0);
    CHECK(hpc::test::run_command({"sh", "-c", "siftool dump 3 '" + sif_path + "' | cmp -s - '" + dir.path() +
                                                  "/overlay.ext3'"}) == 0);
}
