#include "image/sif.hpp"

#include "common/error.hpp"

#include <cstring>
#include <map>

namespace hpc::image {
namespace {

constexpr uint64_t header_size = 128;
constexpr uint64_t descriptor_size = 585;
constexpr uint32_t group_flag = 0xf0000000;

// Little-endian fields of a packed record, read by offset.
class Record {
public:
    explicit Record(const std::string& bytes) : bytes_(bytes) {}

    template <typename T>
    T number(std::size_t offset) const {
        T value{};
        std::memcpy(&value, bytes_.data() + offset, sizeof value);  // hosts are little-endian
        return value;
    }
    // A NUL-padded text field: everything before the first NUL.
    std::string text(std::size_t offset, std::size_t length) const {
        std::string field = bytes_.substr(offset, length);
        return field.substr(0, field.find('\0'));
    }

private:
    const std::string& bytes_;
};

std::string read_bytes(const ByteSource& source, uint64_t offset, uint64_t length) {
    std::string bytes(length, '\0');
    source.read_exact(offset, bytes.data(), bytes.size());
    return bytes;
}

[[noreturn]] void corrupt(std::string message) { throw Error(ExitCode::data, std::move(message)); }

SifHeader parse_header(const ByteSource& source) {
    if (source.size() < header_size)
        corrupt("not a SIF file: " + std::to_string(source.size()) + " bytes, shorter than a SIF header");
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
    if (header.version != "01") corrupt("unsupported SIF version '" + header.version + "' (hpc reads 01)");
    return header;
}

void check_descriptor_table(const SifHeader& header, uint64_t file_size) {
    // Bound the count by the file before multiplying or allocating anything.
    if (header.descriptors_total > file_size / descriptor_size)
        corrupt("descriptor count " + std::to_string(header.descriptors_total) +
                " cannot fit in a file of " + std::to_string(file_size) + " bytes");
    if (header.descriptors_size != header.descriptors_total * descriptor_size)
        corrupt("descriptor table size " + std::to_string(header.descriptors_size) + " is not " +
                std::to_string(header.descriptors_total) + " descriptors of " +
                std::to_string(descriptor_size) + " bytes");
    if (header.descriptors_free > header.descriptors_total)
        corrupt("free descriptor count " + std::to_string(header.descriptors_free) +
                " exceeds the total " + std::to_string(header.descriptors_total));
    if (header.descriptors_offset < header_size)
        corrupt("descriptor table at offset " + std::to_string(header.descriptors_offset) +
                " overlaps the header");
    if (header.descriptors_offset > file_size || header.descriptors_size > file_size - header.descriptors_offset)
        corrupt("descriptor table ends past end of file (offset " + std::to_string(header.descriptors_offset) +
                ", size " + std::to_string(header.descriptors_size) + ", file " + std::to_string(file_size) + ")");
}

SifDescriptor parse_descriptor(const Record& record) {
    SifDescriptor descriptor;
    descriptor.data_type = static_cast<SifDataType>(record.number<int32_t>(0));
    descriptor.id = record.number<uint32_t>(5);
    descriptor.group_id = record.number<uint32_t>(9) & ~group_flag;
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

void check_object_bounds(const SifDescriptor& descriptor, const SifHeader& header, uint64_t file_size) {
    std::string where = "descriptor " + std::to_string(descriptor.id) + ": ";
    if (descriptor.offset > file_size || descriptor.size > file_size - descriptor.offset)
        corrupt(where + "object ends past end of file (offset " + std::to_string(descriptor.offset) + ", size " +
                std::to_string(descriptor.size) + ", file " + std::to_string(file_size) + ")");
    if (descriptor.size == 0) return;
    uint64_t end = descriptor.offset + descriptor.size;
    if (descriptor.offset < header_size)
        corrupt(where + "object at offset " + std::to_string(descriptor.offset) + " overlaps the header");
    uint64_t table_end = header.descriptors_offset + header.descriptors_size;
    if (descriptor.offset < table_end && end > header.descriptors_offset)
        corrupt(where + "object at offset " + std::to_string(descriptor.offset) + " overlaps the descriptor table");
}

}  // namespace

std::string_view host_sif_arch() {
#if defined(__x86_64__)
    return "02";
#elif defined(__aarch64__)
    return "04";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "06";
#elif defined(__s390x__)
    return "11";
#elif defined(__riscv) && __riscv_xlen == 64
    return "12";
#elif defined(__i386__)
    return "01";
#else
    return "00";
#endif
}

std::string sif_arch_name(std::string_view code) {
    static const std::map<std::string_view, std::string_view> names = {
        {"00", "unknown"}, {"01", "386"},     {"02", "amd64"},    {"03", "arm"},    {"04", "arm64"},
        {"05", "ppc64"},   {"06", "ppc64le"}, {"07", "mips"},     {"08", "mipsle"}, {"09", "mips64"},
        {"10", "mips64le"}, {"11", "s390x"},  {"12", "riscv64"},  {"13", "loong64"},
    };
    auto found = names.find(code);
    if (found == names.end()) return "unknown (" + std::string(code) + ")";
    return std::string(found->second);
}

SifFile read_sif(const ByteSource& source) {
    SifFile sif;
    sif.header = parse_header(source);
    check_descriptor_table(sif.header, source.size());
    std::string table = read_bytes(source, sif.header.descriptors_offset, sif.header.descriptors_size);
    for (uint64_t index = 0; index < sif.header.descriptors_total; ++index) {
        std::string bytes = table.substr(index * descriptor_size, descriptor_size);
        Record record(bytes);
        if (record.number<uint8_t>(4) == 0) continue;  // an unused slot
        SifDescriptor descriptor = parse_descriptor(record);
        check_object_bounds(descriptor, sif.header, source.size());
        sif.descriptors.push_back(std::move(descriptor));
    }
    return sif;
}

const SifDescriptor& select_root_partition(const SifFile& sif, std::string_view host_arch) {
    const SifDescriptor* primary = nullptr;
    bool any_partition = false;
    for (const SifDescriptor& descriptor : sif.descriptors) {
        if (descriptor.data_type != SifDataType::partition) continue;
        any_partition = true;
        if (descriptor.part_type != SifPartType::primary_system) continue;
        if (primary) corrupt("more than one primary system partition");
        primary = &descriptor;
    }
    if (!any_partition) corrupt("no partition: the SIF holds no file system to run");
    if (!primary) corrupt("no primary system partition to run");
    switch (primary->fs_type) {
    case SifFsType::squashfs:
        break;
    case SifFsType::ext3:
        corrupt("the primary partition is ext3, which hpc does not run (squashfs only)");
    case SifFsType::encrypted_squashfs:
    case SifFsType::gocryptfs_squashfs:
        corrupt("the primary partition is encrypted, which hpc does not run");
    default:
        corrupt("the primary partition has file system type " +
                std::to_string(static_cast<int32_t>(primary->fs_type)) + ", not squashfs");
    }
    if (primary->arch != host_arch)
        corrupt("the primary partition is for " + sif_arch_name(primary->arch) + ", this machine is " +
                sif_arch_name(host_arch));
    return *primary;
}

}  // namespace hpc::image
