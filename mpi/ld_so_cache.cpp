#include "mpi/ld_so_cache.hpp"

#include "common/error.hpp"

#include <cstdint>
#include <cstring>

namespace hpc::mpi {
namespace {

constexpr std::string_view old_magic = "ld.so-1.7.0";
constexpr std::string_view new_magic = "glibc-ld.so.cache1.1";

// The old table: magic, a count, 12-byte entries; the new header follows at the next multiple
// of 8 (the alignment of its 64-bit fields).
constexpr size_t old_header_size = 16;
constexpr size_t old_entry_size = 12;
// The new header: magic and version (20 bytes), nlibs, len_strings, flags and padding,
// extension offset, three unused words; then 24-byte entries: flags, key, value, osversion,
// hwcap. key and value are offsets of strings from the start of this header.
constexpr size_t new_header_size = 48;
constexpr size_t new_entry_size = 24;
constexpr size_t count_offset = 20;
constexpr size_t key_offset = 4;
constexpr size_t value_offset = 8;

uint32_t read_u32(std::string_view bytes, size_t offset) {
    uint32_t value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;  // ldconfig writes the cache in the host's own byte order
}

class CacheReader {
public:
    CacheReader(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    std::vector<CacheEntry> entries() {
        size_t start = new_table_start();
        if (bytes_.size() < start + new_header_size || bytes_.substr(start, new_magic.size()) != new_magic)
            fail("not a glibc ld.so.cache (no \"" + std::string(new_magic) + "\" header)");
        uint64_t count = read_u32(bytes_, start + count_offset);
        if (count > (bytes_.size() - start - new_header_size) / new_entry_size)
            fail(std::to_string(count) + " entries do not fit in " + std::to_string(bytes_.size()) + " bytes");
        std::vector<CacheEntry> entries;
        entries.reserve(count);
        for (uint64_t index = 0; index < count; ++index) {
            size_t entry = start + new_header_size + index * new_entry_size;
            entries.push_back({string_at(start, read_u32(bytes_, entry + key_offset), index),
                               string_at(start, read_u32(bytes_, entry + value_offset), index)});
        }
        return entries;
    }

private:
    [[noreturn]] void fail(const std::string& cause) const { throw Error(ExitCode::data, name_ + ": " + cause); }

    size_t new_table_start() const {
        if (bytes_.substr(0, old_magic.size()) != old_magic) return 0;
        if (bytes_.size() < old_header_size) fail("truncated header");
        uint64_t count = read_u32(bytes_, old_magic.size() + 1);
        if (count > (bytes_.size() - old_header_size) / old_entry_size) fail("truncated old-format table");
        size_t end = old_header_size + count * old_entry_size;
        return (end + 7) & ~size_t{7};
    }

    std::string string_at(size_t table_start, uint64_t offset, uint64_t index) const {
        uint64_t at = table_start + offset;
        size_t end = at < bytes_.size() ? bytes_.find('\0', at) : std::string_view::npos;
        if (end == std::string_view::npos)
            fail("entry " + std::to_string(index) + " names a string at " + std::to_string(at) +
                 ", outside the file or unterminated");
        return std::string(bytes_.substr(at, end - at));
    }

    std::string_view bytes_;
    const std::string& name_;
};

}  // namespace

std::vector<CacheEntry> parse_ld_so_cache(std::string_view bytes, const std::string& name) {
    return CacheReader(bytes, name).entries();
}

}  // namespace hpc::mpi
