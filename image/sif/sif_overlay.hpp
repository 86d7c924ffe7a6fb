// A SIF's writable overlay: the ext3 partition that Apptainer's `overlay create IMAGE.sif` adds
// and `--writable` then mounts (data type partition, fs type ext3, partition type overlay).
// Adding one follows sylabs/sif's AddObject: the first free slot of the descriptor table, the
// data after the last object aligned to 4096 as partitions are, the header's free count, data
// size and modification time updated; nothing else of the file changes.
#pragma once

#include "image/sif/sif.hpp"

#include <cstdint>
#include <functional>

namespace hpc::image {

struct OverlayAppend {
    int64_t time = 0;  // the object's creation and modification time and the header's modification time
    // Allocate the partition's blocks in the SIF (posix_fallocate), as a file written whole would
    // have them; false: the ext3's holes stay holes (--sparse).
    bool allocate = true;
    // Called between chunks of the copy (Ctrl-C): may throw, and the SIF is then left as it was.
    std::function<void()> between_chunks;
};

// Appends the `ext3_size` bytes of `ext3_fd` to the SIF open read-write as `sif_fd`, which
// read_sif read as `sif`, as its overlay partition: arch the primary system partition's (the
// host's where there is none, or where it is "00", as Apptainer's PrimaryArch falls back to
// runtime.GOARCH), group 1, no name, no link. The bytes go after the end of the file (never over
// any of it), only the ext3's data ranges written (SEEK_DATA), then the descriptor and the header,
// each after the data it points at is synced. Returns the descriptor written. Throws
// hpc::Error(data), without the file's name (the caller adds it), for a SIF that cannot take
// one: an ext3 overlay partition already there (its id said, as Apptainer does), a signature
// object (the overlay would be outside what was signed), no free descriptor; and hpc::Error
// from the system calls. On any failure the file is put back as it was (size and descriptor).
SifDescriptor add_overlay_partition(int sif_fd, const SifFile& sif, int ext3_fd, uint64_t ext3_size,
                                    const OverlayAppend& options);

}  // namespace hpc::image
