// Mutation of the reference library's files: bytes of the header and the descriptor table
// flipped or overwritten many times, from a fixed seed so a failure repeats. read_sif must
// either throw hpc::Error or return a SifFile that keeps every promise its checks make.
#include "common/error.hpp"
#include "image/sif/sif.hpp"
#include "sif_builder.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <set>

using hpc::image::SifFile;
using namespace sif_test;

namespace {

constexpr int mutations_per_fixture = 2000;

// Field offsets where a whole 64- or 32-bit value is worth overwriting with an edge value.
constexpr std::array<uint64_t, 6> header_u64_fields = {
    header_field::descriptors_free,   header_field::descriptors_total, header_field::descriptors_offset,
    header_field::descriptors_size,   header_field::data_offset,       header_field::data_size};
constexpr std::array<uint64_t, 2> descriptor_u64_fields = {descriptor_field::offset, descriptor_field::size};
constexpr std::array<uint64_t, 5> descriptor_u32_fields = {descriptor_field::data_type, descriptor_field::id,
                                                           descriptor_field::fs_type, descriptor_field::part_type,
                                                           descriptor_field::group};

class Mutator {
public:
    Mutator(const std::string& original, uint64_t seed) : original_(original), random_(seed) {
        table_offset_ = get<uint64_t>(original, header_field::descriptors_offset);
        used_slots_ = get<uint64_t>(original, header_field::descriptors_total) -
                      get<uint64_t>(original, header_field::descriptors_free);
    }

    // A copy of the file with one to three mutations, and now and then cut short.
    std::string next() {
        std::string bytes = original_;
        int count = 1 + static_cast<int>(below(3));
        for (int i = 0; i < count; ++i) mutate(bytes);
        if (below(10) == 0) bytes.resize(below(bytes.size() + 1));
        return bytes;
    }

private:
    uint64_t below(uint64_t bound) { return std::uniform_int_distribution<uint64_t>(0, bound - 1)(random_); }

    uint64_t edge_value(uint64_t file_size) {
        const std::array<uint64_t, 11> values = {0, 1, 127, 128, descriptor_size, file_size - 1, file_size,
                                                 uint64_t{1} << 63, ~uint64_t{0}, ~uint64_t{0} - file_size,
                                                 group_flag};
        return values[below(values.size())];
    }

    // A descriptor in use more often than not: that is where the checks are.
    uint64_t descriptor_start() {
        uint64_t slots = below(4) == 0 || used_slots_ == 0 ? 48 : used_slots_;
        return table_offset_ + below(slots) * descriptor_size;
    }

    void mutate(std::string& bytes) {
        switch (below(5)) {
        case 0:  // a bit anywhere in the header
            bytes[below(header_size)] ^= static_cast<char>(1 << below(8));
            break;
        case 1:  // a byte anywhere in a descriptor's common part and partition extra
            bytes[descriptor_start() + below(213)] = static_cast<char>(below(256));
            break;
        case 2:
            put<uint64_t>(bytes, header_u64_fields[below(header_u64_fields.size())], edge_value(bytes.size()));
            break;
        case 3:
            put<uint64_t>(bytes, descriptor_start() + descriptor_u64_fields[below(descriptor_u64_fields.size())],
                          edge_value(bytes.size()));
            break;
        default:
            put<uint32_t>(bytes, descriptor_start() + descriptor_u32_fields[below(descriptor_u32_fields.size())],
                          static_cast<uint32_t>(edge_value(bytes.size())));
            break;
        }
    }

    const std::string& original_;
    std::mt19937_64 random_;
    uint64_t table_offset_ = 0;
    uint64_t used_slots_ = 0;
};

bool inside(uint64_t offset, uint64_t size, uint64_t file_size) {
    return offset <= file_size && size <= file_size - offset;
}

// What a SifFile that read_sif returns promises, checked independently of how it checks.
void check_promises(const SifFile& sif, uint64_t file_size) {
    const auto& header = sif.header;
    REQUIRE(header.version == "01");
    REQUIRE(header.descriptors_offset >= header_size);
    REQUIRE(header.descriptors_total <= file_size / descriptor_size);
    REQUIRE(header.descriptors_size == header.descriptors_total * descriptor_size);
    REQUIRE(inside(header.descriptors_offset, header.descriptors_size, file_size));
    REQUIRE(inside(header.data_offset, header.data_size, file_size));
    REQUIRE(header.descriptors_free == header.descriptors_total - sif.descriptors.size());
    std::set<uint32_t> ids;
    for (const auto& descriptor : sif.descriptors) {
        REQUIRE(descriptor.id != 0);
        REQUIRE(ids.insert(descriptor.id).second);
        REQUIRE(inside(descriptor.offset, descriptor.size, file_size));
        if (descriptor.size == 0) continue;
        REQUIRE(descriptor.offset >= header_size);
        bool before_table = descriptor.offset + descriptor.size <= header.descriptors_offset;
        bool after_table = descriptor.offset >= header.descriptors_offset + header.descriptors_size;
        REQUIRE((before_table || after_table));
    }
}

}  // namespace

TEST_CASE("mutated fixtures are read cleanly or refused with hpc::Error, never anything else") {
    uint64_t seed = 20240611;
    for (const std::string& name : fixture_names()) {
        DYNAMIC_SECTION(name) {
            const std::string original = read_fixture(name);
            Mutator mutator(original, seed++);
            int refused = 0;
            for (int round = 0; round < mutations_per_fixture; ++round) {
                std::string bytes = mutator.next();
                const uint64_t size = bytes.size();
                try {
                    SifFile sif = hpc::image::read_sif(hpc::MemoryByteSource(std::move(bytes)));
                    check_promises(sif, size);
                    try {
                        hpc::image::select_root_partition(sif, hpc::image::host_sif_arch());
                    } catch (const hpc::Error&) {
                    }
                } catch (const hpc::Error& error) {
                    CHECK(error.code() == hpc::ExitCode::data);
                    ++refused;
                }
            }
            // Most mutations hit a checked field; if none were refused the loop tested nothing.
            CHECK(refused > mutations_per_fixture / 4);
        }
    }
}
