// Writing SIF as the reference writer (sylabs/sif) lays it out: the 128-byte header, a table of
// 48 descriptors at 4096, objects from byte 32176 on, partitions aligned to 4096. A partition's
// bytes are written by the caller straight into the file at the offset it is given, so that a
// squashfs is streamed into place with no copy. Reproducible: with a SOURCE_DATE_EPOCH the
// times are that epoch and the UUID is derived from the content, so the same inputs give the
// same bytes.
#pragma once

#include "image/sif/sif.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image {

struct SifWriteOptions {
    std::optional<int64_t> source_date_epoch;  // none: the current time and a random UUID
};

class SifWriter {
public:
    // `fd` is an empty file opened for writing; nothing is written until the first object.
    SifWriter(int fd, SifWriteOptions options);

    // Appends a data object (a definition file, JSON, ...) in group 1.
    void add_object(SifDataType type, std::string_view data, std::string name = {});

    // Where the next partition's bytes go: the end of the data so far, aligned to 4096. The
    // caller writes them there, then calls end_partition with their size.
    uint64_t begin_partition();
    void end_partition(uint64_t size, SifFsType fs_type, SifPartType part_type, std::string_view arch,
                       std::string name = {});

    // Writes the descriptor table and the header. `content_digest` (any bytes that change with
    // the content, e.g. the squashfs superblock) seeds the derived UUID when reproducible.
    void finish(std::string_view content_digest);

private:
    struct Pending {
        SifDescriptor descriptor;
        uint64_t size_with_padding = 0;  // the object's size and the padding before it
    };
    int64_t timestamp() const;

    int fd_;
    SifWriteOptions options_;
    uint64_t data_end_;  // where the next object may start
    uint64_t partition_start_ = 0;
    uint64_t partition_padding_ = 0;
    std::vector<Pending> objects_;
};

}  // namespace hpc::image
