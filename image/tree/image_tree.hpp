// Reading inside an image without mounting it: what the launch plan needs to know before
// anything is mounted (the image's /etc/passwd, which mount points exist, its environment
// scripts) and everything `hpc inspect` shows. Paths are absolute inside the image and
// symlinks are followed inside the image root (common/path_in_root.hpp), never on the host.
#pragma once

#include "image/tree/image_file.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hpc::image {

enum class EntryKind { regular, directory, symlink, other };

struct EntryInfo {
    EntryKind kind = EntryKind::other;
    uint32_t mode = 0;  // permission bits and file type, as st_mode
    uint64_t size = 0;
};

class ImageTree {
public:
    virtual ~ImageTree() = default;

    // The entry at `path` (final symlink followed when `follow` is true); nullopt if missing.
    virtual std::optional<EntryInfo> stat(const std::string& path, bool follow = true) const = 0;

    // A regular file's whole content, symlinks followed. nullopt if missing or not a regular
    // file. Throws hpc::Error (data) when the file is larger than `max_bytes` or unreadable.
    virtual std::optional<std::string> read_file(const std::string& path,
                                                 uint64_t max_bytes = 16 << 20) const = 0;

    // The names in a directory (no "." or ".."), sorted bytewise; empty if missing.
    virtual std::vector<std::string> list_directory(const std::string& path) const = 0;

    // The target of the symlink at `path` (parents resolved), or nullopt if it is not one.
    virtual std::optional<std::string> read_link(const std::string& path) const = 0;
};

// A tree over the image's root: squashfs (SIF partition or bare file) through
// libsquashfuse at the partition's offset, or the directory itself.
std::unique_ptr<ImageTree> open_tree(const ImageFile& image);

// Returns the memory that reading blocks kept for reuse, once no tree or server of this process
// holds a block: for a launch that serves nothing (it joined another's server).
void release_block_memory();

}  // namespace hpc::image
