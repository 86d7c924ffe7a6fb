#include "image/sif/sif_overlay.hpp"

#include "common/byte_source.hpp"
#include "common/error.hpp"
#include "image/sif/sif_record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <string>
#include <vector>

namespace hpc::image {
namespace {

using sif_record::descriptor_size;
using sif_record::header_size;

constexpr uint64_t partition_alignment = 4096;  // sylabs/sif: NewDescriptorInput aligns partitions so
constexpr uint64_t descriptors_per_read = 64;   // the table is read in bounded chunks, as read_sif reads it
constexpr uint64_t copy_chunk = 16 << 20;       // bytes copied between two calls of between_chunks
constexpr uint64_t max_file_offset = static_cast<uint64_t>(std::numeric_limits<off_t>::max());

[[noreturn]] void refuse(std::string message) { throw Error(ExitCode::data, std::move(message)); }

// Apptainer refuses the same three (internal/app/apptainer/overlay_create.go), in this order.
void check_can_take_overlay(const SifFile& sif) {
    for (const SifDescriptor& descriptor : sif.descriptors)
        if (descriptor.data_type == SifDataType::signature)
            refuse("the SIF is signed (object " + std::to_string(descriptor.id) +
                   " is a signature): an overlay partition added to it would not be covered by its signatures");
    if (const SifDescriptor* overlay = find_overlay_partition(sif)) {
        std::string id = std::to_string(overlay->id);
        refuse("the SIF has a writable overlay partition already (ID " + id + "): delete it first with siftool del " +
               id);
    }
    if (sif.header.descriptors_free == 0)
        refuse("the SIF has no free descriptor for an overlay partition (all " +
               std::to_string(sif.header.descriptors_total) + " in use)");
}

// The first unused slot, as AddObject takes it. read_sif checked that the table lies inside the
// file and that its free count agrees with it, so one is there.
uint64_t first_free_slot(const ByteSource& file, const SifHeader& header) {
    for (uint64_t first = 0; first < header.descriptors_total; first += descriptors_per_read) {
        uint64_t count = std::min(descriptors_per_read, header.descriptors_total - first);
        std::string chunk(count * descriptor_size, '\0');
        file.read_exact(header.descriptors_offset + first * descriptor_size, chunk.data(), chunk.size());
        for (uint64_t index = 0; index < count; ++index)
            if (chunk[index * descriptor_size + 4] == 0) return first + index;  // the "used" byte
    }
    refuse("no unused slot in the descriptor table, though the header counts " +
           std::to_string(header.descriptors_free) + " free");
}

// The reference numbers an object by its slot (id = slot + 1). A SIF another writer numbered
// otherwise may have that id in use already: then one past the largest, so that ids stay unique.
uint32_t new_object_id(const SifFile& sif, uint64_t slot) {
    uint32_t largest = 0;
    bool slot_id_taken = false;
    for (const SifDescriptor& descriptor : sif.descriptors) {
        largest = std::max(largest, descriptor.id);
        slot_id_taken = slot_id_taken || descriptor.id == slot + 1;
    }
    if (!slot_id_taken && slot < std::numeric_limits<uint32_t>::max()) return static_cast<uint32_t>(slot + 1);
    if (largest == std::numeric_limits<uint32_t>::max()) refuse("no object id left for an overlay partition");
    return largest + 1;
}

std::string overlay_arch(const SifFile& sif) {
    for (const SifDescriptor& descriptor : sif.descriptors)
        if (descriptor.data_type == SifDataType::partition && descriptor.part_type == SifPartType::primary_system &&
            descriptor.arch != "00")
            return descriptor.arch;
    return std::string(host_sif_arch());
}

uint64_t file_size_of(int fd) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) throw_errno("stat the SIF");
    return static_cast<uint64_t>(status.st_size);
}

std::string read_at(const ByteSource& file, uint64_t offset, uint64_t length) {
    std::string bytes(length, '\0');
    file.read_exact(offset, bytes.data(), bytes.size());
    return bytes;
}

// Puts the SIF back as it was unless committed: the bytes overwritten in place, then the size
// (what was appended goes). Errors are ignored: this runs while another error is on its way.
class Rollback {
public:
    Rollback(int fd, uint64_t size) : fd_(fd), size_(size) {}
    ~Rollback() {
        if (committed_) return;
        for (auto saved = saved_.rbegin(); saved != saved_.rend(); ++saved) {
            try {
                sif_record::write_at(fd_, saved->offset, saved->bytes, "rollback");
            } catch (const Error&) {
            }
        }
        if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        }
    }
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;

    // Writes `bytes` at `offset`, keeping what was there (`original`) for the rollback.
    void overwrite(uint64_t offset, std::string original, std::string_view bytes, const char* what) {
        saved_.push_back({offset, std::move(original)});
        sif_record::write_at(fd_, offset, bytes, what);
    }
    void commit() { committed_ = true; }

private:
    struct Saved {
        uint64_t offset;
        std::string bytes;
    };
    int fd_;
    uint64_t size_;
    std::vector<Saved> saved_;
    bool committed_ = false;
};

void sync_data(int fd) {
    if (::fdatasync(fd) != 0) throw_errno("sync the SIF");
}

// Copies [from_offset, from_offset + length) of `from` to `to_offset` of `to`: copy_file_range,
// which the kernel may do without bringing the bytes to user space, or read and write where the
// file systems do not support it.
void copy_bytes(int from, uint64_t from_offset, int to, uint64_t to_offset, uint64_t length,
                const std::function<void()>& between_chunks) {
    bool in_kernel = true;
    std::string buffer;
    while (length > 0) {
        if (between_chunks) between_chunks();
        std::size_t want = static_cast<std::size_t>(std::min(length, copy_chunk));
        ssize_t done = -1;
        if (in_kernel) {
            auto in = static_cast<off_t>(from_offset);
            auto out = static_cast<off_t>(to_offset);
            done = ::copy_file_range(from, &in, to, &out, want, 0);
            if (done < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                in_kernel = false;
                continue;
            }
        } else {
            buffer.resize(std::min<std::size_t>(want, 1 << 20));
            done = ::pread(from, buffer.data(), buffer.size(), static_cast<off_t>(from_offset));
            if (done > 0)
                sif_record::write_at(to, to_offset, std::string_view(buffer.data(), static_cast<std::size_t>(done)),
                                     "overlay partition");
        }
        if (done < 0 && errno == EINTR) continue;
        if (done < 0) throw_errno("copy the ext3 image into the SIF");
        if (done == 0)
            throw Error(ExitCode::software, "the ext3 image ends at byte " + std::to_string(from_offset) +
                                                ", before the size it was given");
        from_offset += static_cast<uint64_t>(done);
        to_offset += static_cast<uint64_t>(done);
        length -= static_cast<uint64_t>(done);
    }
}

// Copies the ext3's data ranges to `to_offset` and skips its holes (the caller sizes the file
// after): a sparse overlay stays sparse, and no zeros are copied for nothing. A file system
// without SEEK_DATA is copied whole.
void copy_data_ranges(int ext3_fd, uint64_t ext3_size, int sif_fd, uint64_t to_offset,
                      const std::function<void()>& between_chunks) {
    uint64_t position = 0;
    while (position < ext3_size) {
        off_t data = ::lseek(ext3_fd, static_cast<off_t>(position), SEEK_DATA);
        if (data < 0 && errno == ENXIO) return;  // only a hole is left
        uint64_t start = position;
        uint64_t end = ext3_size;
        if (data >= 0) {
            start = static_cast<uint64_t>(data);
            off_t hole = ::lseek(ext3_fd, data, SEEK_HOLE);
            if (hole < 0) throw_errno("find the end of the ext3 image's data (SEEK_HOLE)");
            end = std::min(ext3_size, static_cast<uint64_t>(hole));
        } else if (errno != EINVAL) {
            throw_errno("find the ext3 image's data (SEEK_DATA)");
        }
        if (start >= ext3_size) return;
        copy_bytes(ext3_fd, start, sif_fd, to_offset + start, end - start, between_chunks);
        position = end;
    }
}

}  // namespace

SifDescriptor add_overlay_partition(int sif_fd, const SifFile& sif, int ext3_fd, uint64_t ext3_size,
                                    const OverlayAppend& options) {
    check_can_take_overlay(sif);
    const uint64_t file_size = file_size_of(sif_fd);
    FdByteSource file(sif_fd, file_size);
    const uint64_t slot = first_free_slot(file, sif.header);

    // After everything the file holds: read_sif checked every object, the table and the data
    // section inside it, so this is where the reference would put it too, and no byte of the
    // image is written over.
    const uint64_t start = (file_size + partition_alignment - 1) / partition_alignment * partition_alignment;
    if (start > max_file_offset || ext3_size > max_file_offset - start)
        refuse("an overlay of " + std::to_string(ext3_size) + " bytes after " + std::to_string(file_size) +
               " would pass the largest file size");
    const uint64_t data_end = start + ext3_size;

    SifDescriptor descriptor;
    descriptor.data_type = SifDataType::partition;
    descriptor.id = new_object_id(sif, slot);
    descriptor.group_id = 1;  // sylabs/sif's DefaultObjectGroup
    descriptor.offset = start;
    descriptor.size = ext3_size;
    descriptor.created_at = descriptor.modified_at = options.time;
    descriptor.fs_type = SifFsType::ext3;
    descriptor.part_type = SifPartType::overlay;
    descriptor.arch = overlay_arch(sif);
    // As the reference counts it: from the end of the data before, padding included.
    const uint64_t old_data_end = sif.header.data_offset + sif.header.data_size;
    const uint64_t size_with_padding = data_end - old_data_end;

    Rollback rollback(sif_fd, file_size);
    copy_data_ranges(ext3_fd, ext3_size, sif_fd, start, options.between_chunks);
    if (::ftruncate(sif_fd, static_cast<off_t>(data_end)) != 0) throw_errno("extend the SIF for its overlay partition");
    if (options.allocate) {
        int result = ::posix_fallocate(sif_fd, static_cast<off_t>(start), static_cast<off_t>(ext3_size));
        // Where the file system cannot allocate ahead, the holes read as zeros all the same.
        if (result != 0 && result != EOPNOTSUPP && result != ENOSYS && result != EINVAL)
            throw_errno("allocate the SIF's overlay partition", result);
    }
    sync_data(sif_fd);  // the data is there before a descriptor points at it

    uint64_t slot_offset = sif.header.descriptors_offset + slot * descriptor_size;
    rollback.overwrite(slot_offset, read_at(file, slot_offset, descriptor_size),
                       sif_record::descriptor_record(descriptor, size_with_padding), "descriptor");
    std::string original_header = read_at(file, 0, header_size);
    std::string header = original_header;
    sif_record::put<int64_t>(header, 72, options.time);
    sif_record::put<int64_t>(header, 80, static_cast<int64_t>(sif.header.descriptors_free - 1));
    sif_record::put<int64_t>(header, 120, static_cast<int64_t>(data_end - sif.header.data_offset));
    rollback.overwrite(0, std::move(original_header), header, "header");
    sync_data(sif_fd);
    rollback.commit();
    return descriptor;
}

}  // namespace hpc::image
