// The SIF reader against hostile and corrupt input, built in memory: each check has its own
// exact message and ExitCode::data, and no mutation of a real file crashes the reader.
#include "common/error.hpp"
#include "image/sif/sif.hpp"
#include "sif_builder.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <set>

using hpc::MemoryByteSource;
using hpc::image::read_sif;
using hpc::image::SifFile;
using namespace sif_test;

namespace {

constexpr uint64_t max_u64 = std::numeric_limits<uint64_t>::max();

// The error read_sif must throw for `bytes`; fails the test if it reads them.
hpc::Error read_error(const std::string& bytes) {
    try {
        read_sif(MemoryByteSource(bytes));
    } catch (const hpc::Error& error) {
        return error;
    }
    FAIL("read_sif accepted the bytes");
    throw std::logic_error("unreachable");
}

void check_refused(const std::string& bytes, const std::string& message) {
    hpc::Error error = read_error(bytes);
    CHECK(std::string(error.what()) == message);
    CHECK(error.code() == hpc::ExitCode::data);
}

void check_root_refused(const std::vector<Object>& objects, const std::string& message) {
    SifFile sif = read_sif(MemoryByteSource(build_sif(objects)));
    try {
        hpc::image::select_root_partition(sif, "02");
        FAIL("select_root_partition accepted the image");
    } catch (const hpc::Error& error) {
        CHECK(std::string(error.what()) == message);
        CHECK(error.code() == hpc::ExitCode::data);
    }
}

// One generic object in a 4-slot table: 128-byte header, table [128, 2468), data at 2468.
std::string one_object() { return build_sif({generic_json()}); }
constexpr uint64_t one_object_size = 2470;
const std::string file_size_text = "file " + std::to_string(one_object_size) + ")";

std::string with_header(uint64_t field, uint64_t value) {
    std::string bytes = one_object();
    put<uint64_t>(bytes, field, value);
    return bytes;
}

std::string with_object_at(uint64_t offset, uint64_t size) {
    std::string bytes = one_object();
    put<uint64_t>(bytes, descriptor_at(0) + descriptor_field::offset, offset);
    put<uint64_t>(bytes, descriptor_at(0) + descriptor_field::size, size);
    return bytes;
}

}  // namespace

TEST_CASE("the test builder's image reads cleanly") {
    std::string bytes = one_object();
    REQUIRE(bytes.size() == one_object_size);
    SifFile sif = read_sif(MemoryByteSource(bytes));
    REQUIRE(sif.descriptors.size() == 1);
    CHECK(sif.descriptors[0].offset == 2468);
    CHECK(sif.header.descriptors_free == 3);
}

TEST_CASE("a short or foreign header is refused before anything else is read") {
    check_refused("", "truncated SIF header: 0 bytes, a header is 128");
    check_refused(one_object().substr(0, 127), "truncated SIF header: 127 bytes, a header is 128");
    std::string bytes = one_object();
    bytes[header_field::magic + 3] = '-';
    check_refused(bytes, "not a SIF file (no SIF_MAGIC)");
}

TEST_CASE("a SIF version other than 01 is refused, its bytes shown safely") {
    std::string bytes = one_object();
    bytes.replace(header_field::version, 3, std::string("02\0", 3));
    check_refused(bytes, "unsupported SIF version '02' (hpc reads 01)");
    bytes.replace(header_field::version, 3, "01x");
    check_refused(bytes, "unsupported SIF version '01x' (hpc reads 01)");
    bytes.replace(header_field::version, 3, std::string("\x1b\n\0", 3));
    check_refused(bytes, "unsupported SIF version '\\x1b\\x0a' (hpc reads 01)");
}

TEST_CASE("a descriptor count is bounded by the file size before it is multiplied") {
    check_refused(with_header(header_field::descriptors_total, 5),
                  "descriptor count 5 cannot fit in a file of 2470 bytes");
    // 585 x this wraps to a small number: a reader that multiplied first would accept it.
    uint64_t wrapping = max_u64 / descriptor_size + 1;
    check_refused(with_header(header_field::descriptors_total, wrapping),
                  "descriptor count " + std::to_string(wrapping) + " cannot fit in a file of 2470 bytes");
    check_refused(with_header(header_field::descriptors_total, max_u64),
                  "descriptor count " + std::to_string(max_u64) + " cannot fit in a file of 2470 bytes");
}

TEST_CASE("the descriptor table must be count x 585 bytes, after the header and inside the file") {
    check_refused(with_header(header_field::descriptors_size, 2341),
                  "descriptor table size 2341 is not 4 descriptors of 585 bytes");
    check_refused(with_header(header_field::descriptors_offset, 64), "descriptor table at offset 64 overlaps the header");
    check_refused(with_header(header_field::descriptors_offset, 200),
                  "descriptor table ends past end of file (offset 200, size 2340, " + file_size_text);
    check_refused(with_header(header_field::descriptors_offset, max_u64 - 10),
                  "descriptor table ends past end of file (offset " + std::to_string(max_u64 - 10) + ", size 2340, " +
                      file_size_text);
}

TEST_CASE("the header's data section must lie inside the file") {
    check_refused(with_header(header_field::data_size, 3),
                  "data section ends past end of file (offset 2468, size 3, " + file_size_text);
    check_refused(with_header(header_field::data_offset, max_u64),
                  "data section ends past end of file (offset " + std::to_string(max_u64) + ", size 2, " +
                      file_size_text);
}

TEST_CASE("an object must lie inside the file, and a wrapping end is named as such") {
    check_refused(with_object_at(2468, 3), "descriptor 1: object ends past end of file (offset 2468, size 3, " +
                                               file_size_text);
    check_refused(with_object_at(9000, 0), "descriptor 1: object ends past end of file (offset 9000, size 0, " +
                                               file_size_text);
    check_refused(with_object_at(2468, max_u64 - 100),
                  "descriptor 1: object offset 2468 + size " + std::to_string(max_u64 - 100) + " overflows 64 bits");
    check_refused(with_object_at(max_u64, 1),
                  "descriptor 1: object offset " + std::to_string(max_u64) + " + size 1 overflows 64 bits");
}

TEST_CASE("an object may not overlap the header or the descriptor table") {
    check_refused(with_object_at(0, 1), "descriptor 1: object at offset 0 overlaps the header");
    check_refused(with_object_at(120, 20), "descriptor 1: object at offset 120 overlaps the header");
    const std::string table = " overlaps the descriptor table (offset 128, size 2340)";
    check_refused(with_object_at(128, 1), "descriptor 1: object (offset 128, size 1, " + file_size_text + table);
    check_refused(with_object_at(2467, 2), "descriptor 1: object (offset 2467, size 2, " + file_size_text + table);
    // Touching the table's end is not overlapping it, and an empty object covers no bytes.
    CHECK_NOTHROW(read_sif(MemoryByteSource(with_object_at(2468, 2))));
    CHECK_NOTHROW(read_sif(MemoryByteSource(with_object_at(500, 0))));
}

TEST_CASE("object ids are nonzero and unique") {
    std::string bytes = build_sif({generic_json(), generic_json()});
    put<uint32_t>(bytes, descriptor_at(1) + descriptor_field::id, 0);
    check_refused(bytes, "descriptor in slot 1 is in use but has id 0");
    put<uint32_t>(bytes, descriptor_at(1) + descriptor_field::id, 1);
    check_refused(bytes, "descriptor 1: id used twice (slots 0 and 1)");
}

TEST_CASE("the header's free count must match the table's unused slots") {
    check_refused(with_header(header_field::descriptors_free, 4),
                  "header says 4 descriptors are free, the table has 3 of 4 free");
    check_refused(with_header(header_field::descriptors_free, max_u64),
                  "header says " + std::to_string(max_u64) + " descriptors are free, the table has 3 of 4 free");
    std::string bytes = one_object();
    put<uint8_t>(bytes, descriptor_at(0) + descriptor_field::used, 0);
    check_refused(bytes, "header says 3 descriptors are free, the table has 4 of 4 free");
}

TEST_CASE("unused slots are skipped whatever they hold, any nonzero used byte means used") {
    std::string bytes = one_object();
    put<uint64_t>(bytes, descriptor_at(2) + descriptor_field::offset, max_u64);  // slot 2 is unused
    CHECK(read_sif(MemoryByteSource(bytes)).descriptors.size() == 1);
    put<uint8_t>(bytes, descriptor_at(0) + descriptor_field::used, 0x80);
    CHECK(read_sif(MemoryByteSource(bytes)).descriptors.size() == 1);
}

TEST_CASE("partition codes outside SIF's tables are refused when read") {
    check_refused(build_sif({partition(7, 2)}), "descriptor 1: partition has unknown file system type 7");
    check_refused(build_sif({partition(0, 2)}), "descriptor 1: partition has unknown file system type 0");
    check_refused(build_sif({partition(1, 5)}), "descriptor 1: partition has unknown partition type 5");
    check_refused(build_sif({partition(1, -1)}), "descriptor 1: partition has unknown partition type -1");
}

TEST_CASE("the root partition is the one squashfs primary partition for this machine") {
    SifFile sif = read_sif(MemoryByteSource(build_sif({generic_json(), partition(4, 3), squashfs_primary()})));
    const auto& root = hpc::image::select_root_partition(sif, "02");
    CHECK(root.id == 3);
    CHECK(root.offset == 2470 + 29);
    CHECK(root.size == 29);
}

TEST_CASE("a primary partition of unknown arch runs anywhere, as in Apptainer") {
    SifFile sif = read_sif(MemoryByteSource(build_sif({squashfs_primary("00")})));
    CHECK(hpc::image::select_root_partition(sif, "02").id == 1);
}

TEST_CASE("select_root_partition says why no partition can run") {
    check_root_refused({generic_json()}, "no partition: the SIF holds no file system to run");
    check_root_refused({partition(1, 1)}, "no primary system partition to run (1 partition, none primary)");
    check_root_refused({partition(1, 3), partition(1, 4)},
                       "no primary system partition to run (2 partitions, none primary)");
    check_root_refused({squashfs_primary(), squashfs_primary()},
                       "more than one primary system partition (descriptors 1 and 2)");
    check_root_refused({partition(2, 2)}, "the primary partition is ext3, which hpc does not run (squashfs only)");
    check_root_refused({partition(3, 2)},
                       "the primary partition is an archive of objects, not a file system hpc can run (squashfs only)");
    check_root_refused({partition(4, 2)},
                       "the primary partition is raw data, not a file system hpc can run (squashfs only)");
    check_root_refused({partition(5, 2)}, "the primary partition is an encrypted squashfs, which hpc cannot decrypt");
    check_root_refused({partition(6, 2)},
                       "the primary partition is a gocryptfs-encrypted squashfs, which hpc cannot decrypt");
    check_root_refused({squashfs_primary("04")}, "the primary partition is for arm64, this machine is amd64");
    check_root_refused({squashfs_primary("99")}, "the primary partition is for unknown (99), this machine is amd64");
}

TEST_CASE("select_root_partition names a file system type it has no name for") {
    // read_sif refuses such codes; a SifFile made some other way must still get a message.
    SifFile sif;
    hpc::image::SifDescriptor descriptor;
    descriptor.id = 1;
    descriptor.data_type = hpc::image::SifDataType::partition;
    descriptor.part_type = hpc::image::SifPartType::primary_system;
    descriptor.fs_type = static_cast<hpc::image::SifFsType>(9);
    descriptor.arch = "02";
    sif.descriptors.push_back(descriptor);
    CHECK_THROWS_WITH(hpc::image::select_root_partition(sif, "02"), "the primary partition has unknown file system type 9");
}
