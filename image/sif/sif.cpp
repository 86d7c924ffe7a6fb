#include "image/sif/sif.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_map>

namespace hpc::image {
namespace {

constexpr uint64_t header_size = 128;
constexpr uint64_t descriptor_size = 585;
// The table is read this many descriptors at a time, so that memory stays small however
// large a (valid or hostile) count is.
constexpr uint64_t descriptors_per_read = 64;

// Little-endian fields of a packed record, read by offset. Callers pass offsets inside the
// record's fixed layout, so no read can leave it.
class Record {
public:
    explicit Record(std::string_view bytes) : bytes_(bytes) {}

    template <typename T>
    T number(std::size_t offset) const {
        T value{};
        std::memcpy(&value, bytes_.data() + offset, sizeof value);  // hosts are little-endian
        return value;
    }
    // A NUL-padded text field: everything before the first NUL.
    std::string text(std::size_t offset, std::size_t length) const {
        std::string_view field = bytes_.substr(offset, length);
        return std::string(field.substr(0, field.find('\0')));
    }

private:
    std::string_view bytes_;
};

static_assert(std::endian::native == std::endian::little, "SIF fields are read as host integers");

std::string read_bytes(const ByteSource& source, uint64_t offset, uint64_t length) {
    std::string bytes(length, '\0');
    source.read_exact(offset, bytes.data(), bytes.size());
    return bytes;
}

[[noreturn]] void corrupt(std::string message) { throw Error(ExitCode::data, std::move(message)); }

std::string extent_text(uint64_t offset, uint64_t size, uint64_t file_size) {
    return "(offset " + std::to_string(offset) + ", size " + std::to_string(size) + ", file " +
           std::to_string(file_size) + ")";
}

// [offset, offset + size) within a file of file_size bytes, written so that nothing wraps.
bool inside(uint64_t offset, uint64_t size, uint64_t file_size) {
    return offset <= file_size && size <= file_size - offset;
}

SifHeader parse_header(const ByteSource& source) {
    if (source.size() < header_size)
        corrupt("truncated SIF header: " + std::to_string(source.size()) + " bytes, a header is " +
                std::to_string(header_size));
    std::string bytes = read_bytes(source, 0, header_size);
    Record record(bytes);
    if (bytes.compare(32, 10, std::string("SIF_MAGIC\0", 10)) != 0) corrupt("not a SIF file (no SIF_MAGIC)");
    SifHeader header;
    header.launch_script = record.text(0, 32);
    header.version = record.text(42, 3);
    header.arch = record.text(45, 3);
    std::memcpy(header.uuid.data(), bytes.data() + 48, header.uuid.size());
    header.created_at = record.number<int64_t>(64);
    header.modified_at = record.number<int64_t>(72);
    header.descriptors_free = record.number<uint64_t>(80);
    header.descriptors_total = record.number<uint64_t>(88);
    header.descriptors_offset = record.number<uint64_t>(96);
    header.descriptors_size = record.number<uint64_t>(104);
    header.data_offset = record.number<uint64_t>(112);
    header.data_size = record.number<uint64_t>(120);
    // The reference compares all three bytes, "01\0"; text() stops at the NUL, so "01x"
    // and "0\0\0" both differ from "01" here too.
    if (header.version != "01")
        corrupt("unsupported SIF version '" + printable(header.version) + "' (hpc reads 01)");
    return header;
}

void check_descriptor_table(const SifHeader& header, uint64_t file_size) {
    // Bound the count by the file before multiplying or allocating anything: the reference
    // loader allocates whatever the header says.
    if (header.descriptors_total > file_size / descriptor_size)
        corrupt("descriptor count " + std::to_string(header.descriptors_total) + " cannot fit in a file of " +
                std::to_string(file_size) + " bytes");
    if (header.descriptors_size != header.descriptors_total * descriptor_size)
        corrupt("descriptor table size " + std::to_string(header.descriptors_size) + " is not " +
                std::to_string(header.descriptors_total) + " descriptors of " + std::to_string(descriptor_size) +
                " bytes");
    if (header.descriptors_offset < header_size)
        corrupt("descriptor table at offset " + std::to_string(header.descriptors_offset) + " overlaps the header");
    if (!inside(header.descriptors_offset, header.descriptors_size, file_size))
        corrupt("descriptor table ends past end of file " +
                extent_text(header.descriptors_offset, header.descriptors_size, file_size));
}

// The reference writer keeps data_offset + data_size at the end of its last object, so a
// data section past the end of the file means a truncated or corrupt image.
void check_data_section(const SifHeader& header, uint64_t file_size) {
    if (!inside(header.data_offset, header.data_size, file_size))
        corrupt("data section ends past end of file " + extent_text(header.data_offset, header.data_size, file_size));
}

SifDescriptor parse_descriptor(const Record& record) {
    SifDescriptor descriptor;
    descriptor.data_type = static_cast<SifDataType>(record.number<int32_t>(0));
    descriptor.id = record.number<uint32_t>(5);
    descriptor.group_id = record.number<uint32_t>(9) & ~SifDescriptor::group_flag;
    descriptor.linked_id = record.number<uint32_t>(13);
    descriptor.offset = record.number<uint64_t>(17);
    descriptor.size = record.number<uint64_t>(25);
    descriptor.created_at = record.number<int64_t>(41);
    descriptor.modified_at = record.number<int64_t>(49);
    descriptor.name = record.text(73, 128);
    if (descriptor.data_type == SifDataType::partition) {
        descriptor.fs_type = static_cast<SifFsType>(record.number<int32_t>(201));
        descriptor.part_type = static_cast<SifPartType>(record.number<int32_t>(205));
        descriptor.arch = record.text(209, 3);
    }
    return descriptor;
}

std::string descriptor_frame(const SifDescriptor& descriptor) {
    return "descriptor " + std::to_string(descriptor.id) + ": ";
}

// Where the object lies: inside the file, and clear of the header and the table, which a
// reader trusts for everything else. A wrapping offset + size gets its own message: it is a
// corrupt field, where an end past the file is usually a truncated download.
void check_object_bounds(const SifDescriptor& descriptor, const SifHeader& header, uint64_t file_size) {
    std::string where = descriptor_frame(descriptor);
    if (descriptor.size > std::numeric_limits<uint64_t>::max() - descriptor.offset)
        corrupt(where + "object offset " + std::to_string(descriptor.offset) + " + size " +
                std::to_string(descriptor.size) + " overflows 64 bits");
    if (!inside(descriptor.offset, descriptor.size, file_size))
        corrupt(where + "object ends past end of file " + extent_text(descriptor.offset, descriptor.size, file_size));
    if (descriptor.size == 0) return;  // an empty object occupies no bytes, so overlaps nothing
    uint64_t end = descriptor.offset + descriptor.size;
    if (descriptor.offset < header_size)
        corrupt(where + "object at offset " + std::to_string(descriptor.offset) + " overlaps the header");
    uint64_t table_end = header.descriptors_offset + header.descriptors_size;  // checked inside the file
    if (descriptor.offset < table_end && end > header.descriptors_offset)
        corrupt(where + "object " + extent_text(descriptor.offset, descriptor.size, file_size) +
                " overlaps the descriptor table (offset " + std::to_string(header.descriptors_offset) + ", size " +
                std::to_string(header.descriptors_size) + ")");
}

// Codes outside the tables in sif-format.md: a corrupt descriptor, or one from a SIF newer
// than hpc, which hpc should not guess about.
void check_partition_codes(const SifDescriptor& descriptor) {
    if (descriptor.data_type != SifDataType::partition) return;
    auto fs_type = static_cast<int32_t>(descriptor.fs_type);
    if (fs_type < static_cast<int32_t>(SifFsType::squashfs) ||
        fs_type > static_cast<int32_t>(SifFsType::gocryptfs_squashfs))
        corrupt(descriptor_frame(descriptor) + "partition has unknown file system type " + std::to_string(fs_type));
    auto part_type = static_cast<int32_t>(descriptor.part_type);
    if (part_type < static_cast<int32_t>(SifPartType::system) || part_type > static_cast<int32_t>(SifPartType::overlay))
        corrupt(descriptor_frame(descriptor) + "partition has unknown partition type " + std::to_string(part_type));
}

// Object ids are how links, signatures and `siftool info` name objects: 0 means "none" and
// two objects with one id make every link to it ambiguous.
class IdRegistry {
public:
    void add(const SifDescriptor& descriptor, uint64_t slot) {
        if (descriptor.id == 0) corrupt("descriptor in slot " + std::to_string(slot) + " is in use but has id 0");
        auto [existing, added] = slots_.emplace(descriptor.id, slot);
        if (!added)
            corrupt(descriptor_frame(descriptor) + "id used twice (slots " + std::to_string(existing->second) +
                    " and " + std::to_string(slot) + ")");
    }

private:
    std::unordered_map<uint32_t, uint64_t> slots_;
};

// The writer decrements "descriptors free" for each object it adds and increments it for each
// it deletes, and the reference treats free == total as "no objects" without looking at the
// table: a count that disagrees with the table would make two readers see different images.
void check_free_count(const SifHeader& header, uint64_t used) {
    uint64_t unused = header.descriptors_total - used;
    if (header.descriptors_free != unused)
        corrupt("header says " + std::to_string(header.descriptors_free) + " descriptors are free, the table has " +
                std::to_string(unused) + " of " + std::to_string(header.descriptors_total) + " free");
}

}  // namespace

std::string_view host_sif_arch() {
    // The Go GOARCH each code stands for, matched to the compiler's target macros.
#if defined(__x86_64__)
    return "02";
#elif defined(__i386__)
    return "01";
#elif defined(__aarch64__)
    return "04";
#elif defined(__arm__)
    return "03";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "06";
#elif defined(__powerpc64__)
    return "05";
#elif defined(__mips__) && defined(__mips64) && defined(__MIPSEL__)
    return "10";
#elif defined(__mips__) && defined(__mips64)
    return "09";
#elif defined(__mips__) && defined(__MIPSEL__)
    return "08";
#elif defined(__mips__)
    return "07";
#elif defined(__s390x__)
    return "11";
#elif defined(__riscv) && __riscv_xlen == 64
    return "12";
#elif defined(__loongarch64)
    return "13";
#else
    return "00";
#endif
}

namespace {
const std::map<std::string_view, std::string_view>& arch_names() {
    static const std::map<std::string_view, std::string_view> names = {
        {"00", "unknown"}, {"01", "386"},     {"02", "amd64"},   {"03", "arm"},    {"04", "arm64"},
        {"05", "ppc64"},   {"06", "ppc64le"}, {"07", "mips"},    {"08", "mipsle"}, {"09", "mips64"},
        {"10", "mips64le"}, {"11", "s390x"},  {"12", "riscv64"}, {"13", "loong64"},
    };
    return names;
}
}  // namespace

std::string sif_arch_name(std::string_view code) {
    auto found = arch_names().find(code);
    if (found == arch_names().end()) return "unknown (" + printable(code) + ")";
    return std::string(found->second);
}

std::string sif_arch_code(std::string_view name) {
    for (const auto& [code, known] : arch_names())
        if (known == name) return std::string(code);
    return "00";
}

bool has_sif_magic(const ByteSource& source) {
    constexpr std::string_view magic("SIF_MAGIC\0", 10);
    if (source.size() < 32 + magic.size()) return false;
    std::string bytes = read_bytes(source, 32, magic.size());
    return bytes == magic;
}

SifFile read_sif(const ByteSource& source) {
    const uint64_t file_size = source.size();
    SifFile sif;
    sif.header = parse_header(source);
    check_descriptor_table(sif.header, file_size);
    check_data_section(sif.header, file_size);
    IdRegistry ids;
    const uint64_t total = sif.header.descriptors_total;
    for (uint64_t first = 0; first < total; first += descriptors_per_read) {
        uint64_t count = std::min(descriptors_per_read, total - first);
        std::string chunk =
            read_bytes(source, sif.header.descriptors_offset + first * descriptor_size, count * descriptor_size);
        for (uint64_t index = 0; index < count; ++index) {
            Record record(std::string_view(chunk).substr(index * descriptor_size, descriptor_size));
            if (record.number<uint8_t>(4) == 0) continue;  // an unused slot (Go reads any nonzero byte as true)
            SifDescriptor descriptor = parse_descriptor(record);
            ids.add(descriptor, first + index);
            check_object_bounds(descriptor, sif.header, file_size);
            check_partition_codes(descriptor);
            sif.descriptors.push_back(std::move(descriptor));
        }
    }
    check_free_count(sif.header, sif.descriptors.size());
    return sif;
}

namespace {

[[noreturn]] void refuse_file_system(SifFsType fs_type) {
    switch (fs_type) {
    case SifFsType::ext3:
        corrupt("the primary partition is ext3, which hpc does not run (squashfs only)");
    case SifFsType::encrypted_squashfs:
        corrupt("the primary partition is an encrypted squashfs, which hpc cannot decrypt");
    case SifFsType::gocryptfs_squashfs:
        corrupt("the primary partition is a gocryptfs-encrypted squashfs, which hpc cannot decrypt");
    case SifFsType::archive:
        corrupt("the primary partition is an archive of objects, not a file system hpc can run (squashfs only)");
    case SifFsType::raw:
        corrupt("the primary partition is raw data, not a file system hpc can run (squashfs only)");
    case SifFsType::squashfs:
        break;
    }
    corrupt("the primary partition has unknown file system type " + std::to_string(static_cast<int32_t>(fs_type)));
}

}  // namespace

const SifDescriptor& select_root_partition(const SifFile& sif, std::string_view host_arch) {
    const SifDescriptor* primary = nullptr;
    std::size_t partitions = 0;
    for (const SifDescriptor& descriptor : sif.descriptors) {
        if (descriptor.data_type != SifDataType::partition) continue;
        ++partitions;
        if (descriptor.part_type != SifPartType::primary_system) continue;
        if (primary)
            corrupt("more than one primary system partition (descriptors " + std::to_string(primary->id) + " and " +
                    std::to_string(descriptor.id) + ")");
        primary = &descriptor;
    }
    if (partitions == 0) corrupt("no partition: the SIF holds no file system to run");
    if (!primary)
        corrupt("no primary system partition to run (" + std::to_string(partitions) + " partition" +
                (partitions == 1 ? "" : "s") + ", none primary)");
    if (primary->fs_type != SifFsType::squashfs) refuse_file_system(primary->fs_type);
    // "00" says the writer did not know the arch; Apptainer runs such images anywhere
    // (pkg/image/sif.go skips its arch check for "unknown"), and so does hpc.
    if (primary->arch != host_arch && primary->arch != "00")
        corrupt("the primary partition is for " + sif_arch_name(primary->arch) + ", this machine is " +
                sif_arch_name(host_arch));
    return *primary;
}

const SifDescriptor* find_overlay_partition(const SifFile& sif) {
    for (const SifDescriptor& descriptor : sif.descriptors)
        if (descriptor.data_type == SifDataType::partition && descriptor.part_type == SifPartType::overlay &&
            descriptor.fs_type == SifFsType::ext3)
            return &descriptor;
    return nullptr;
}

const SifDescriptor& select_data_partition(const SifFile& sif, std::optional<uint32_t> id) {
    if (!id) {
        for (const SifDescriptor& descriptor : sif.descriptors)
            if (descriptor.data_type == SifDataType::partition && descriptor.part_type == SifPartType::primary_system)
                return descriptor;
        corrupt("no primary system partition");
    }
    auto found = std::find_if(sif.descriptors.begin(), sif.descriptors.end(),
                              [&](const SifDescriptor& descriptor) { return descriptor.id == *id; });
    if (found == sif.descriptors.end()) corrupt("no object with id " + std::to_string(*id));
    if (found->data_type != SifDataType::partition) corrupt("object " + std::to_string(*id) + " is not a partition");
    if (found->fs_type != SifFsType::squashfs && found->fs_type != SifFsType::ext3)
        corrupt("partition " + std::to_string(*id) + " is neither squashfs nor ext3");
    return *found;
}

}  // namespace hpc::image
