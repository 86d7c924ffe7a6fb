#include "image/sif/sif_record.hpp"

#include "common/error.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace hpc::image::sif_record {

void put_text(std::string& record, std::size_t offset, std::size_t length, std::string_view text) {
    std::memcpy(record.data() + offset, text.data(), std::min(text.size(), length - 1));
}

std::string descriptor_record(const SifDescriptor& descriptor, uint64_t size_with_padding) {
    std::string record(descriptor_size, '\0');
    put<int32_t>(record, 0, static_cast<int32_t>(descriptor.data_type));
    put<uint8_t>(record, 4, 1);  // used
    put<uint32_t>(record, 5, descriptor.id);
    put<uint32_t>(record, 9, descriptor.group_id | SifDescriptor::group_flag);
    put<uint32_t>(record, 13, descriptor.linked_id);
    put<int64_t>(record, 17, static_cast<int64_t>(descriptor.offset));
    put<int64_t>(record, 25, static_cast<int64_t>(descriptor.size));
    put<int64_t>(record, 33, static_cast<int64_t>(size_with_padding));
    put<int64_t>(record, 41, descriptor.created_at);
    put<int64_t>(record, 49, descriptor.modified_at);
    put_text(record, 73, 128, descriptor.name);
    if (descriptor.data_type == SifDataType::partition) {
        put<int32_t>(record, 201, static_cast<int32_t>(descriptor.fs_type));
        put<int32_t>(record, 205, static_cast<int32_t>(descriptor.part_type));
        put_text(record, 209, 3, descriptor.arch);
    }
    return record;
}

void write_at(int fd, uint64_t offset, std::string_view bytes, const char* what) {
    while (!bytes.empty()) {
        ssize_t written = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) throw_errno(std::string("write the SIF ") + what);
        bytes.remove_prefix(static_cast<std::size_t>(written));
        offset += static_cast<uint64_t>(written);
    }
}

}  // namespace hpc::image::sif_record
