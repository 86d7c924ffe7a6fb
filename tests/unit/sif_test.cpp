// The SIF reader against the reference library's own files (tests/fixtures/sif): every one
// must read exactly as `siftool list`, `siftool info` and `siftool header` show it. The
// expected values below were written down from siftool's output; siftool is not run here.
#include "common/error.hpp"
#include "image/sif/sif.hpp"
#include "sif_builder.hpp"

#include <catch2/catch.hpp>

#include <sys/utsname.h>

#include <cstdio>
#include <map>

using hpc::image::SifDataType;
using hpc::image::SifFile;

namespace {

// siftool leaves out times equal to Go's zero time.Time, which the reference stores as this.
constexpr int64_t go_zero_time = -62135596800;
constexpr uint32_t group_link = sif_test::group_flag;  // siftool's "(G)" after a linked id
constexpr int32_t squashfs = 1, ext3 = 2, raw = 4;     // siftool's "Filesystem Type"
constexpr int32_t system_part = 1, primary = 2;        // siftool's "System" and "*System"

struct ExpectedObject {
    uint32_t id, group, linked_id;  // linked_id as stored
    SifDataType type;
    uint64_t offset, size;
    std::string name;
    int32_t fs_type, part_type;  // partitions only
    std::string arch;            // partitions only
};

ExpectedObject object(uint32_t id, uint32_t group, uint32_t link, SifDataType type, uint64_t offset, uint64_t size,
                      std::string name = "") {
    return {id, group, link, type, offset, size, std::move(name), 0, 0, ""};
}

ExpectedObject partition(uint32_t id, uint32_t group, uint64_t offset, uint64_t size, int32_t fs_type,
                         int32_t part_type, std::string arch, std::string name = "") {
    return {id, group, 0, SifDataType::partition, offset, size, std::move(name), fs_type, part_type, std::move(arch)};
}

struct ExpectedFile {
    std::string launch_script;
    std::string arch;  // "Primary Architecture", as its code; "00" where siftool prints none
    std::string uuid;  // "ID"; nil where siftool prints none
    uint64_t descriptors_free;
    // siftool header rounds the data size to KiB; these are exact: from the data offset to
    // the end of the last object, which is where the reference writer leaves it.
    uint64_t data_offset, data_size;
    std::vector<ExpectedObject> objects;
};

const std::string nil_uuid = "00000000-0000-0000-0000-000000000000";

// The first group of the one-group and two-groups fixtures: a raw system partition and the
// primary squashfs one, both for 386.
std::vector<ExpectedObject> group_one(uint64_t primary_size, std::string name = "") {
    return {partition(1, 1, 32768, 4, raw, system_part, "01", name),
            partition(2, 1, 36864, primary_size, squashfs, primary, "01", name)};
}

std::vector<ExpectedObject> plus(std::vector<ExpectedObject> objects, std::vector<ExpectedObject> more) {
    objects.insert(objects.end(), more.begin(), more.end());
    return objects;
}

const ExpectedObject ext3_group_two = partition(3, 2, 40960, 262144, ext3, system_part, "02");

const std::map<std::string, ExpectedFile>& expected_fixtures() {
    static const std::map<std::string, ExpectedFile> table = {
        {"empty.sif", {"", "00", nil_uuid, 48, 32176, 0, {}}},
        {"empty-id.sif", {"", "00", "3fa802cc-358b-45e3-bcc0-69dc7a45f9f8", 48, 32176, 0, {}}},
        {"empty-launch-script.sif", {"#!/usr/bin/env run-script\n", "00", nil_uuid, 48, 32176, 0, {}}},
        {"one-group.sif", {"", "01", nil_uuid, 46, 32176, 8784, group_one(4096)}},
        {"one-group-signed-dsse.sif",
         {"", "01", nil_uuid, 45, 32176, 10478,
          plus(group_one(4096), {object(3, 0, 1 | group_link, SifDataType::signature, 40960, 1694)})}},
        {"one-group-signed-pgp.sif",
         {"", "01", nil_uuid, 45, 32176, 9832,
          plus(group_one(4096), {object(3, 0, 1 | group_link, SifDataType::signature, 40960, 1048)})}},
        {"one-object-crypt-message.sif",
         {"", "00", nil_uuid, 47, 32176, 4, {object(1, 1, 0, SifDataType::crypto_message, 32176, 4)}}},
        {"one-object-generic-json.sif",
         {"", "00", nil_uuid, 47, 32176, 2, {object(1, 1, 0, SifDataType::generic_json, 32176, 2, "data.json")}}},
        {"one-object-oci-blob.sif",
         {"", "00", nil_uuid, 47, 32176, 847, {object(1, 1, 0, SifDataType::oci_blob, 32176, 847)}}},
        {"one-object-oci-root-index.sif",
         {"", "00", nil_uuid, 47, 32176, 706, {object(1, 1, 0, SifDataType::oci_root_index, 32176, 706)}}},
        {"one-object-sbom.sif", {"", "00", nil_uuid, 47, 32176, 454, {object(1, 1, 0, SifDataType::sbom, 32176, 454)}}},
        {"one-object-time.sif",
         {"", "00", nil_uuid, 47, 32176, 2, {object(1, 1, 0, SifDataType::generic_json, 32176, 2, "data.json")}}},
        {"two-groups.sif", {"", "01", nil_uuid, 45, 32176, 270928, plus(group_one(4096), {ext3_group_two})}},
        {"two-groups-signed-pgp.sif",
         {"", "01", nil_uuid, 43, 32176, 272825,
          plus(group_one(4096), {ext3_group_two, object(4, 0, 1 | group_link, SifDataType::signature, 303104, 1048),
                                 object(5, 0, 2 | group_link, SifDataType::signature, 304152, 849)})}},
        // The legacy signatures sit in group 1 and link to single objects, not groups.
        {"two-groups-signed-legacy-all.sif",
         {"#!/usr/bin/env run-singularity\n", "01", "0b19ec2c-0b08-46c9-95ae-fa88cd9e48a1", 43, 32768, 16993,
          plus(group_one(4, "."), {partition(3, 2, 40960, 4, ext3, system_part, "02", "."),
                                   object(4, 1, 1, SifDataType::signature, 45056, 609, "part-signature"),
                                   object(5, 1, 2, SifDataType::signature, 49152, 609, "part-signature")})}},
    };
    return table;
}

std::string uuid_text(const std::array<uint8_t, 16>& uuid) {
    std::string text;
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02x", uuid[i]);
        text += hex;
    }
    return text;
}

SifFile read_fixture_sif(const std::string& name) {
    return hpc::image::read_sif(hpc::MemoryByteSource(sif_test::read_fixture(name)));
}

void check_object(const hpc::image::SifDescriptor& got, const ExpectedObject& want) {
    INFO("descriptor " << want.id);
    CHECK(got.id == want.id);
    CHECK(got.group_id == want.group);
    CHECK(got.linked_id == want.linked_id);
    CHECK(got.data_type == want.type);
    CHECK(got.offset == want.offset);
    CHECK(got.size == want.size);
    CHECK(got.name == want.name);
    if (want.type != SifDataType::partition) return;
    CHECK(static_cast<int32_t>(got.fs_type) == want.fs_type);
    CHECK(static_cast<int32_t>(got.part_type) == want.part_type);
    CHECK(got.arch == want.arch);
}

}  // namespace

TEST_CASE("every SIF fixture has its expected contents written down here") {
    for (const std::string& name : sif_test::fixture_names()) {
        INFO(name);
        CHECK(expected_fixtures().count(name) == 1);
    }
    CHECK(sif_test::fixture_names().size() == expected_fixtures().size());
}

TEST_CASE("SIF fixtures read as siftool lists them") {
    for (const auto& [name, want] : expected_fixtures()) {
        DYNAMIC_SECTION(name) {
            SifFile sif = read_fixture_sif(name);
            CHECK(sif.header.launch_script == want.launch_script);
            CHECK(sif.header.version == "01");
            CHECK(sif.header.arch == want.arch);
            CHECK(uuid_text(sif.header.uuid) == want.uuid);
            CHECK(sif.header.descriptors_free == want.descriptors_free);
            CHECK(sif.header.descriptors_total == 48);
            CHECK(sif.header.descriptors_offset == 4096);
            CHECK(sif.header.descriptors_size == 48 * 585);
            CHECK(sif.header.data_offset == want.data_offset);
            CHECK(sif.header.data_size == want.data_size);
            REQUIRE(sif.descriptors.size() == want.objects.size());
            for (std::size_t i = 0; i < want.objects.size(); ++i) check_object(sif.descriptors[i], want.objects[i]);
        }
    }
}

TEST_CASE("SIF times read as siftool prints them, and Go's zero time where it prints none") {
    SifFile timed = read_fixture_sif("one-object-time.sif");
    CHECK(timed.header.created_at == 1593475316);  // 2020-06-30 00:01:56 UTC
    CHECK(timed.header.modified_at == 1593475316);
    CHECK(timed.descriptors.at(0).created_at == 1593475316);
    CHECK(timed.descriptors.at(0).modified_at == 1593475316);

    SifFile legacy = read_fixture_sif("two-groups-signed-legacy-all.sif");
    CHECK(legacy.header.created_at == 1590175859);   // 2020-05-22 19:30:59 UTC
    CHECK(legacy.header.modified_at == 1592684239);  // 2020-06-20 20:17:19 UTC
    CHECK(legacy.descriptors.at(0).created_at == 1590175859);
    CHECK(legacy.descriptors.at(3).created_at == 1592684230);  // 2020-06-20 20:17:10 UTC
    CHECK(legacy.descriptors.at(4).modified_at == 1592684239);

    SifFile untimed = read_fixture_sif("one-group.sif");
    CHECK(untimed.header.created_at == go_zero_time);
    CHECK(untimed.descriptors.at(1).modified_at == go_zero_time);
}

TEST_CASE("linked ids decode as siftool shows them: a group with (G), else an object") {
    SifFile dsse = read_fixture_sif("one-group-signed-dsse.sif");
    CHECK(dsse.descriptors.at(2).links_group());
    CHECK(dsse.descriptors.at(2).link_target() == 1);
    SifFile legacy = read_fixture_sif("two-groups-signed-legacy-all.sif");
    CHECK_FALSE(legacy.descriptors.at(4).links_group());
    CHECK(legacy.descriptors.at(4).link_target() == 2);
    CHECK(legacy.descriptors.at(0).link_target() == 0);  // siftool's NONE
}

TEST_CASE("the fixtures' placeholder partitions are refused for amd64 and picked for 386") {
    for (const auto& [name, want] : expected_fixtures()) {
        DYNAMIC_SECTION(name) {
            SifFile sif = read_fixture_sif(name);
            bool has_partition = !want.objects.empty() && want.objects.front().type == SifDataType::partition;
            std::string refusal = has_partition ? "the primary partition is for 386, this machine is amd64"
                                                : "no partition: the SIF holds no file system to run";
            CHECK_THROWS_WITH(hpc::image::select_root_partition(sif, "02"), refusal);
            if (!has_partition) {
                CHECK_THROWS_AS(hpc::image::select_root_partition(sif, "01"), hpc::Error);
                continue;
            }
            const auto& root = hpc::image::select_root_partition(sif, "01");
            CHECK(root.id == 2);
            CHECK(root.offset == 36864);
            CHECK(root.size == want.objects[1].size);
        }
    }
}

TEST_CASE("sif_arch_name names every code as siftool does") {
    const std::map<std::string, std::string> names = {
        {"00", "unknown"}, {"01", "386"},     {"02", "amd64"},  {"03", "arm"},    {"04", "arm64"},
        {"05", "ppc64"},   {"06", "ppc64le"}, {"07", "mips"},   {"08", "mipsle"}, {"09", "mips64"},
        {"10", "mips64le"}, {"11", "s390x"},  {"12", "riscv64"}, {"13", "loong64"},
    };
    for (const auto& [code, name] : names) CHECK(hpc::image::sif_arch_name(code) == name);
    CHECK(hpc::image::sif_arch_name("14") == "unknown (14)");
    CHECK(hpc::image::sif_arch_name("") == "unknown ()");
    CHECK(hpc::image::sif_arch_name(std::string("\x1b[2", 3)) == "unknown (\\x1b[2)");
}

TEST_CASE("host_sif_arch is the code of the machine the tests run on") {
    // uname's machine names for the 64-bit hosts hpc is built on, and their Go names.
    const std::map<std::string, std::string> go_names = {
        {"x86_64", "amd64"},   {"aarch64", "arm64"}, {"ppc64le", "ppc64le"}, {"ppc64", "ppc64"},
        {"s390x", "s390x"},    {"riscv64", "riscv64"}, {"loongarch64", "loong64"},
    };
    struct utsname host {};
    REQUIRE(::uname(&host) == 0);
    auto found = go_names.find(host.machine);
    if (found == go_names.end() || sizeof(void*) != 8) {
        WARN("SKIPPED: no expected SIF arch for machine " << host.machine << " with " << sizeof(void*) * 8
                                                  << "-bit pointers; host_sif_arch not checked");
        return;
    }
    CHECK(hpc::image::sif_arch_name(hpc::image::host_sif_arch()) == found->second);
}
