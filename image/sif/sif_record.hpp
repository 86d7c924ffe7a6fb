// The bytes of SIF's records as the reference (sylabs/sif) lays them out (sif-format.md): a
// descriptor serialised, little-endian fields put into a record, and positioned writes. Shared
// by the writer of new SIFs (sif_writer.cpp) and the one that adds an object to an existing SIF
// (sif_overlay.cpp), so that both write the same descriptor.
#pragma once

#include "image/sif/sif.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hpc::image::sif_record {

inline constexpr uint64_t header_size = 128;
inline constexpr uint64_t descriptor_size = 585;

// Writes `value` at `offset` of `record` (hosts are little-endian, as SIF is; sif.cpp asserts it).
template <typename T>
void put(std::string& record, std::size_t offset, T value) {
    std::memcpy(record.data() + offset, &value, sizeof value);
}

// A NUL-padded text field of `length` bytes: `text` cut to leave at least one NUL.
void put_text(std::string& record, std::size_t offset, std::size_t length, std::string_view text);

// The 585 bytes of a used descriptor: the group stored with its flag, a partition's fstype,
// parttype and arch in the extra field, uid and gid zero (deprecated), as the reference writes.
std::string descriptor_record(const SifDescriptor& descriptor, uint64_t size_with_padding);

// All of `bytes` at `offset` of `fd`, through short writes and EINTR. Throws hpc::Error
// "write the SIF <what>: <cause>".
void write_at(int fd, uint64_t offset, std::string_view bytes, const char* what);

}  // namespace hpc::image::sif_record
