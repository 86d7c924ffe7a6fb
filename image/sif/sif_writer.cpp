#include "image/sif/sif_writer.hpp"

#include "common/error.hpp"
#include "image/sif/sif_record.hpp"

#include <nettle/sha2.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <ctime>

namespace hpc::image {
namespace {

using sif_record::descriptor_record;
using sif_record::put;
using sif_record::put_text;
using sif_record::write_at;

// The reference writer's layout (sylabs/sif: defaults of sif.CreateContainer).
constexpr uint64_t descriptors_offset = 4096;
constexpr uint64_t descriptor_count = 48;
constexpr uint64_t descriptor_size = sif_record::descriptor_size;
constexpr uint64_t data_offset = descriptors_offset + descriptor_count * descriptor_size;  // 32176
constexpr uint64_t partition_alignment = 4096;
constexpr char launch_script[] = "#!/usr/bin/env run-singularity\n";

// The first 128 bits of the seed's SHA-256: an identifier that follows the content.
std::array<uint8_t, 16> digest_uuid(std::string_view seed) {
    sha256_ctx context;
    sha256_init(&context);
    sha256_update(&context, seed.size(), reinterpret_cast<const uint8_t*>(seed.data()));
    std::array<uint8_t, 16> uuid{};
    sha256_digest(&context, uuid.size(), uuid.data());
    // RFC 9562: version 8 (custom, here derived from the content), variant 10.
    uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0f) | 0x80);
    uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3f) | 0x80);
    return uuid;
}

std::array<uint8_t, 16> random_uuid() {
    std::array<uint8_t, 16> uuid{};
    if (::getrandom(uuid.data(), uuid.size(), 0) != static_cast<ssize_t>(uuid.size()))
        throw_errno("draw a random UUID for the SIF (getrandom)");
    uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0f) | 0x40);  // version 4
    uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3f) | 0x80);
    return uuid;
}

}  // namespace

SifWriter::SifWriter(int fd, SifWriteOptions options) : fd_(fd), options_(options), data_end_(data_offset) {}

int64_t SifWriter::timestamp() const {
    return options_.source_date_epoch ? *options_.source_date_epoch : static_cast<int64_t>(::time(nullptr));
}

void SifWriter::add_object(SifDataType type, std::string_view data, std::string name) {
    if (objects_.size() >= descriptor_count) throw Error(ExitCode::software, "too many SIF objects");
    Pending pending;
    SifDescriptor& descriptor = pending.descriptor;
    descriptor.data_type = type;
    descriptor.id = static_cast<uint32_t>(objects_.size() + 1);
    descriptor.group_id = 1;
    descriptor.offset = data_end_;
    descriptor.size = data.size();
    descriptor.created_at = descriptor.modified_at = timestamp();
    descriptor.name = std::move(name);
    pending.size_with_padding = data.size();
    write_at(fd_, data_end_, data, "object");
    data_end_ += data.size();
    objects_.push_back(std::move(pending));
}

uint64_t SifWriter::begin_partition() {
    partition_start_ = (data_end_ + partition_alignment - 1) / partition_alignment * partition_alignment;
    partition_padding_ = partition_start_ - data_end_;
    return partition_start_;
}

void SifWriter::end_partition(uint64_t size, SifFsType fs_type, SifPartType part_type, std::string_view arch,
                              std::string name) {
    if (objects_.size() >= descriptor_count) throw Error(ExitCode::software, "too many SIF objects");
    Pending pending;
    SifDescriptor& descriptor = pending.descriptor;
    descriptor.data_type = SifDataType::partition;
    descriptor.id = static_cast<uint32_t>(objects_.size() + 1);
    descriptor.group_id = 1;
    descriptor.offset = partition_start_;
    descriptor.size = size;
    descriptor.created_at = descriptor.modified_at = timestamp();
    descriptor.name = std::move(name);
    descriptor.fs_type = fs_type;
    descriptor.part_type = part_type;
    descriptor.arch = std::string(arch);
    pending.size_with_padding = partition_padding_ + size;
    data_end_ = partition_start_ + size;
    objects_.push_back(std::move(pending));
}

void SifWriter::finish(std::string_view content_digest) {
    std::string table(descriptor_count * descriptor_size, '\0');
    std::string arch = "00";
    uint64_t data_size = 0;
    for (std::size_t index = 0; index < objects_.size(); ++index) {
        const Pending& pending = objects_[index];
        table.replace(index * descriptor_size, descriptor_size,
                      descriptor_record(pending.descriptor, pending.size_with_padding));
        data_size += pending.size_with_padding;
        if (pending.descriptor.data_type == SifDataType::partition &&
            pending.descriptor.part_type == SifPartType::primary_system)
            arch = pending.descriptor.arch;  // the header carries the primary partition's arch
    }
    write_at(fd_, descriptors_offset, table, "descriptors");

    std::string header(128, '\0');
    put_text(header, 0, 32, launch_script);
    std::memcpy(header.data() + 32, "SIF_MAGIC", 10);
    std::memcpy(header.data() + 42, "01", 3);
    put_text(header, 45, 3, arch);
    std::string seed = std::string(content_digest) + std::to_string(timestamp());
    std::array<uint8_t, 16> uuid = options_.source_date_epoch ? digest_uuid(seed) : random_uuid();
    std::memcpy(header.data() + 48, uuid.data(), uuid.size());
    put<int64_t>(header, 64, timestamp());
    put<int64_t>(header, 72, timestamp());
    put<int64_t>(header, 80, static_cast<int64_t>(descriptor_count - objects_.size()));
    put<int64_t>(header, 88, static_cast<int64_t>(descriptor_count));
    put<int64_t>(header, 96, static_cast<int64_t>(descriptors_offset));
    put<int64_t>(header, 104, static_cast<int64_t>(descriptor_count * descriptor_size));
    put<int64_t>(header, 112, static_cast<int64_t>(data_offset));
    put<int64_t>(header, 120, static_cast<int64_t>(data_size));
    // The gap between the header and the table stays zero, as the reference leaves it.
    write_at(fd_, 0, header, "header");
    if (::ftruncate(fd_, static_cast<off_t>(data_end_)) != 0) throw_errno("size the SIF");
}

}  // namespace hpc::image
