// What the cache reads is bounded, as every input of hpc is.
#pragma once

#include <cstddef>

namespace hpc::image::cache {

// A tag record is a reference, an architecture and a digest: a few hundred bytes.
inline constexpr std::size_t max_tag_record_bytes = 64 * 1024;
// Names read from one folder of the cache; a cache of more blobs than this is not one hpc made.
inline constexpr std::size_t max_folder_entries = 1'000'000;

}  // namespace hpc::image::cache
