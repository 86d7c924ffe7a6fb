// Builds SIF bytes in memory for the reader's tests: a valid image by default, laid out as
// sif-format.md describes (header at 0, descriptor table right after it, objects packed
// after the table), whose fields a test then overwrites with put() to make it hostile.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace sif_test {

constexpr uint64_t header_size = 128;
constexpr uint64_t descriptor_size = 585;
constexpr uint32_t group_flag = 0xf0000000;

// Byte offsets of the fields the tests touch, from sif-format.md.
namespace header_field {
constexpr uint64_t magic = 32, version = 42, arch = 45, descriptors_free = 80, descriptors_total = 88,
                   descriptors_offset = 96, descriptors_size = 104, data_offset = 112, data_size = 120;
}
namespace descriptor_field {
constexpr uint64_t data_type = 0, used = 4, id = 5, group = 9, link = 13, offset = 17, size = 25, fs_type = 201,
                   part_type = 205, arch = 209;
}

constexpr int32_t partition_type = 0x4004;
constexpr int32_t generic_json_type = 0x4006;

struct Object {
    int32_t data_type = generic_json_type;
    std::string data = "{}";
    int32_t fs_type = 0;    // partitions only
    int32_t part_type = 0;  // partitions only
    std::string arch;       // partitions only
};

inline Object partition(int32_t fs_type, int32_t part_type, std::string arch = "02") {
    return Object{partition_type, "placeholder for a file system", fs_type, part_type, std::move(arch)};
}
inline Object squashfs_primary(std::string arch = "02") { return partition(1, 2, std::move(arch)); }
inline Object generic_json() { return Object{}; }

// Writes `value` little-endian at `at` (tests run on little-endian hosts, as hpc does).
template <typename T>
void put(std::string& bytes, uint64_t at, T value) {
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

template <typename T>
T get(const std::string& bytes, uint64_t at) {
    T value{};
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}

// Where a descriptor slot starts in images made by build_sif.
inline uint64_t descriptor_at(uint64_t slot) { return header_size + slot * descriptor_size; }

// A SIF with `capacity` descriptor slots, the first ones holding `objects` with ids 1, 2, ...
// in group 1 and no links. The header's arch follows the primary partition, as the reference
// writer does.
inline std::string build_sif(const std::vector<Object>& objects, uint64_t capacity = 4) {
    std::string bytes(header_size + capacity * descriptor_size, '\0');
    std::memcpy(bytes.data() + header_field::magic, "SIF_MAGIC", 10);
    std::memcpy(bytes.data() + header_field::version, "01", 3);
    std::memcpy(bytes.data() + header_field::arch, "00", 3);
    const uint64_t data_offset = bytes.size();
    for (uint64_t slot = 0; slot < objects.size(); ++slot) {
        const Object& object = objects[slot];
        const uint64_t at = descriptor_at(slot);
        put<int32_t>(bytes, at + descriptor_field::data_type, object.data_type);
        put<uint8_t>(bytes, at + descriptor_field::used, 1);
        put<uint32_t>(bytes, at + descriptor_field::id, static_cast<uint32_t>(slot + 1));
        put<uint32_t>(bytes, at + descriptor_field::group, 1 | group_flag);
        put<uint64_t>(bytes, at + descriptor_field::offset, bytes.size());
        put<uint64_t>(bytes, at + descriptor_field::size, object.data.size());
        if (object.data_type == partition_type) {
            put<int32_t>(bytes, at + descriptor_field::fs_type, object.fs_type);
            put<int32_t>(bytes, at + descriptor_field::part_type, object.part_type);
            bytes.replace(at + descriptor_field::arch, object.arch.size(), object.arch);
            if (object.part_type == 2) bytes.replace(header_field::arch, object.arch.size(), object.arch);
        }
        bytes += object.data;
    }
    put<uint64_t>(bytes, header_field::descriptors_free, capacity - objects.size());
    put<uint64_t>(bytes, header_field::descriptors_total, capacity);
    put<uint64_t>(bytes, header_field::descriptors_offset, header_size);
    put<uint64_t>(bytes, header_field::descriptors_size, capacity * descriptor_size);
    put<uint64_t>(bytes, header_field::data_offset, data_offset);
    put<uint64_t>(bytes, header_field::data_size, bytes.size() - data_offset);
    return bytes;
}

// The SIF files written by the reference library (tests/fixtures/sif), by name, sorted.
inline std::filesystem::path fixture_dir() { return std::filesystem::path(HPC_FIXTURES_DIR) / "sif"; }

inline std::vector<std::string> fixture_names() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(fixture_dir()))
        if (entry.path().extension() == ".sif") names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

inline std::string read_fixture(const std::string& name) {
    std::ifstream in(fixture_dir() / name, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read fixture " + name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace sif_test
