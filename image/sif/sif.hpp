// Reading SIF, the Singularity Image Format (layout in ../shared/sif-format.md; the reference
// reader and writer is sylabs/sif, `siftool`). Parsing is strict and bounded: every count,
// offset and size is checked against the file before anything is allocated or read, and
// each failure has its own message.
#pragma once

#include "common/byte_source.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image {

enum class SifDataType : int32_t {
    deffile = 0x4001,
    env_vars = 0x4002,
    labels = 0x4003,
    partition = 0x4004,
    signature = 0x4005,
    generic_json = 0x4006,
    generic = 0x4007,
    crypto_message = 0x4008,
    sbom = 0x4009,
    oci_root_index = 0x400A,
    oci_blob = 0x400B,
};

enum class SifFsType : int32_t { squashfs = 1, ext3 = 2, archive = 3, raw = 4, encrypted_squashfs = 5,
                                 gocryptfs_squashfs = 6 };
enum class SifPartType : int32_t { system = 1, primary_system = 2, data = 3, overlay = 4 };

struct SifDescriptor {
    // Set in stored group ids, and in a linked id that names a group rather than an object.
    static constexpr uint32_t group_flag = 0xf0000000;

    SifDataType data_type{};  // may be a code newer than this table: such objects are kept
    uint32_t id = 0;
    uint32_t group_id = 0;   // without the 0xf0000000 flag; 0 when in no group
    uint32_t linked_id = 0;  // as stored
    uint64_t offset = 0;
    uint64_t size = 0;
    int64_t created_at = 0;
    int64_t modified_at = 0;
    std::string name;
    // For partitions only:
    SifFsType fs_type{};
    SifPartType part_type{};
    std::string arch;  // two-digit code, e.g. "02"

    // What linked_id names, as siftool reads it: a group when all flag bits are set.
    bool links_group() const { return (linked_id & group_flag) == group_flag; }
    uint32_t link_target() const { return linked_id & ~group_flag; }  // 0: no link
};

struct SifHeader {
    std::string launch_script;
    std::string version;  // "01"
    std::string arch;     // two-digit code
    std::array<uint8_t, 16> uuid{};
    int64_t created_at = 0;
    int64_t modified_at = 0;
    uint64_t descriptors_free = 0;
    uint64_t descriptors_total = 0;
    uint64_t descriptors_offset = 0;
    uint64_t descriptors_size = 0;
    uint64_t data_offset = 0;
    uint64_t data_size = 0;
};

struct SifFile {
    SifHeader header;
    std::vector<SifDescriptor> descriptors;  // the used ones, in table order
};

// The SIF arch code of the machine hpc was built for ("02" on x86-64, "00" where SIF has none).
std::string_view host_sif_arch();
// The Go name siftool prints: "amd64" for "02", "unknown" for "00", and "unknown (NN)" for a
// code not in the table (bytes outside printable ASCII shown as \xNN).
std::string sif_arch_name(std::string_view code);
// The code of a Go architecture name ("arm64" -> "04"); "00" (unknown) for one not in the table.
std::string sif_arch_code(std::string_view name);

// Whether the source starts as a SIF does (SIF_MAGIC at byte 32): what tells a SIF from any other
// file, before read_sif says whether it is a valid one.
bool has_sif_magic(const ByteSource& source);

// Parses and validates the header and descriptor table. Throws hpc::Error(data) whose message
// says what is wrong, without the file name (the caller adds it).
SifFile read_sif(const ByteSource& source);

// The partition to run: the primary system partition, which must be a squashfs for
// `host_arch`, or for arch "00" (unknown), which Apptainer runs anywhere. Throws
// hpc::Error(data) saying which: no partition at all, no primary one, two primaries, ext3,
// encrypted, raw or archive data, or another architecture.
const SifDescriptor& select_root_partition(const SifFile& sif, std::string_view host_arch);

// The SIF's ext3 overlay partition (Apptainer's writable layer inside the SIF), or nullptr.
const SifDescriptor* find_overlay_partition(const SifFile& sif);

// A partition whose file system is used beside the root (an --overlay, an image bind's source):
// the one with `id` when given (id=N), else the primary system partition, whatever its arch (data
// is the same everywhere). Throws hpc::Error(data): no such object, not a partition, or a file
// system other than squashfs and ext3.
const SifDescriptor& select_data_partition(const SifFile& sif, std::optional<uint32_t> id);

}  // namespace hpc::image
