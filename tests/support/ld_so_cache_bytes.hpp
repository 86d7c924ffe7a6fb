// An /etc/ld.so.cache written in memory, for tests of what reads one.
#pragma once

#include "mpi/ld_so_cache.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace hpc::test {

// A 32-bit field of a cache, in the host's byte order as ldconfig writes it.
inline void put_u32(std::string& bytes, size_t offset, uint32_t value) { std::memcpy(bytes.data() + offset, &value, 4); }

// A glibc-ld.so.cache1.1 with `entries` (name, path), strings after the table, as ldconfig
// writes it; every entry flagged as an x86-64 ELF library.
inline std::string ld_so_cache_bytes(const std::vector<mpi::CacheEntry>& entries) {
    std::string bytes = "glibc-ld.so.cache1.1";
    bytes.resize(48 + entries.size() * 24, '\0');
    put_u32(bytes, 20, static_cast<uint32_t>(entries.size()));
    for (size_t index = 0; index < entries.size(); ++index) {
        size_t entry = 48 + index * 24;
        put_u32(bytes, entry, 0x0303);
        put_u32(bytes, entry + 4, static_cast<uint32_t>(bytes.size()));
        bytes += entries[index].name + '\0';
        put_u32(bytes, entry + 8, static_cast<uint32_t>(bytes.size()));
        bytes += entries[index].path + '\0';
    }
    return bytes;
}

}  // namespace hpc::test
