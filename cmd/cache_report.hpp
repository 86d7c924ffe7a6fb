// What `hpc cache list` and `hpc cache clean` print about cache entries: pure text from the
// entries, so that its shape is unit-tested.
#pragma once

#include "image/cache/image_cache.hpp"

#include <string>
#include <vector>

namespace hpc::cmd {

// "There are 2 SIF files using 44.10 MiB, 13 blobs using 44.94 MiB, 1 tag record", as
// Apptainer's cache list sums its cache up.
std::string cache_summary(const std::vector<image::cache::Entry>& entries);
// One line per entry, under a heading: kind, name, size, days since last use.
std::string cache_table(const std::vector<image::cache::Entry>& entries);
// "2 SIF files, 13 blobs and 1 tag record (89.04 MiB)".
std::string entries_in_words(const std::vector<image::cache::Entry>& entries);

}  // namespace hpc::cmd
