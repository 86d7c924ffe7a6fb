// hpc overlay create: a writable overlay image as Apptainer's `overlay create` makes one, an ext3
// file system holding the overlay layout (upper/ and work/, and any directories asked for under
// upper/), either as a new image file or added to an existing SIF as its overlay partition
// (image/sif/sif_overlay.hpp). Nothing is left behind on failure or Ctrl-C: the ext3 is made in a
// temporary file beside FILE (mkstemp, 0600) from a layout in a temporary directory, and renamed
// to FILE only if FILE is still not there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::builder {

inline constexpr uint64_t default_overlay_size_mib = 64;  // Apptainer's default
// Below 2 MiB mke2fs makes no journal (it says "Filesystem too small for a journal"): not ext3.
inline constexpr uint64_t min_overlay_size_mib = 2;
// Under 16 TiB: ext3's limit with 4 KiB blocks, and the largest file ext4 holds.
inline constexpr uint64_t max_overlay_size_mib = (uint64_t{16} << 20) - 1;
inline constexpr std::size_t max_overlay_directories = 1024;

struct OverlayRequest {
    std::string path;  // a new ext3 image, or a SIF to add the overlay partition to
    uint64_t size_mib = default_overlay_size_mib;
    bool sparse = false;    // the blocks not allocated ahead (ftruncate alone)
    bool fakeroot = false;  // the layout owned by root (uid and gid 0), for --fakeroot runs
    std::vector<std::string> directories;  // --create-dir: made under upper/
    std::string temporary_parent;          // where the layout is made: --tmpdir; "" for $TMPDIR, else /tmp
};

struct OverlayResult {
    bool added_to_sif = false;
    uint32_t partition_id = 0;  // the SIF's new object
    std::string mke2fs_said;    // what mke2fs printed though it succeeded (a warning), or ""
};

// Where a --create-dir DIR goes under upper/, as Apptainer joins it (an absolute DIR is taken
// from upper/, "." and empty names dropped, ".." taking the name before it): "opt/app" for
// "/opt/./app"; "" for upper/ itself. Throws hpc::Error(usage) for a DIR that is empty, too long,
// has a name too long, or leaves upper/ ("../x", "a/../../x").
std::string overlay_directory_path(std::string_view directory);

// Makes the overlay. Throws hpc::Error: usage for a size or directory out of bounds,
// unavailable when mke2fs is missing (or the user namespace --fakeroot needs), cant_create when
// FILE exists and is no SIF or when it cannot be made, data (with FILE's name) for a SIF that
// cannot take an overlay (add_overlay_partition's refusals), interrupted on a stop signal.
OverlayResult create_overlay(const OverlayRequest& request);

}  // namespace hpc::builder
