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

// What writes the squashfs partition (a tree's packer, or an OCI image's layers), and the
// architecture its programs are for, as a SIF code ("" for this machine's).
struct ProducedSquashfs {
    image::SquashfsWriteResult written;
    std::string sif_arch;
};
using SquashfsProducer =
    std::function<ProducedSquashfs(int fd, uint64_t offset, const image::SquashfsWriteOptions& options)>;

// Throws hpc::Error(cant_create) for a destination that exists without `replace`, or that
// cannot be written; the progress callback may throw to abandon the build.
void pack_sif(const std::string& tree, const std::string& destination, const PackOptions& options);
void pack_sif(const SquashfsProducer& produce, const std::string& destination, const PackOptions& options);
// The SIF alone, into `fd` from its start (pack_sif's, or a cache's temporary file).
void write_sif(const SquashfsProducer& produce, int fd, const PackOptions& options);
// A finished image, the regular file `source`, copied to `destination` as pack_sif writes one:
// beside it first, renamed into place. Throws as pack_sif.
void copy_into_place(const std::string& source, const std::string& destination, bool replace);
void pack_directory(const std::string& tree, const std::string& destination, const PackOptions& options);

// DEST as the build uses it: trailing slashes dropped ("sbox/", as Apptainer's documentation
// writes a sandbox, is "sbox"), so that the temporary output is made beside it, not in it.
std::string normalized_destination(const std::string& destination);

// Checked before a build does any work, so that a long build does not fail at its end: the
// directory DEST goes into exists, is a directory and can be written, and DEST does not exist
// unless `replace`. Throws hpc::Error(cant_create) naming DEST and the cause. The result's
// commit checks DEST's existence again.
void check_destination(const std::string& destination, bool replace);

// The last line of a build: "built app.sif (SIF, 12.3 MiB)", "built box (sandbox directory)".
std::string describe_built(const std::string& destination, bool sandbox);
// "app.sif (SIF, 12.3 MiB)".
std::string describe_sif(const std::string& path);

}  // namespace hpc::builder
