// Writing a build's result: a SIF (the definition, then the tree as a squashfs partition streamed
// into place) or a directory. Written beside the destination under a temporary name and renamed
// over it only when complete, so that a failed or interrupted build leaves no destination and no
// temporary file.
#pragma once

#include "image/write/squashfs_writer.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace hpc::builder {

struct PackOptions {
    std::string compression = "gzip";
    std::optional<int64_t> source_date_epoch;
    std::string definition_text;  // stored as the SIF's Def.FILE object when not empty
    bool replace = false;         // --force: an existing destination is replaced
    // Owners as the build's namespace sees them (--fakeroot), instead of root for every file.
    bool keep_owners = false;
    std::function<void(const image::SquashfsWriteProgress&)> progress;
};

// Throws hpc::Error(cant_create) for a destination that exists without `replace`, or that
// cannot be written; the progress callback may throw to abandon the build.
void pack_sif(const std::string& tree, const std::string& destination, const PackOptions& options);
void pack_directory(const std::string& tree, const std::string& destination, const PackOptions& options);

// Refuses an existing destination unless `replace`: checked before a build starts, and again
// when the result is put in place.
void check_destination(const std::string& destination, bool replace);

}  // namespace hpc::builder
