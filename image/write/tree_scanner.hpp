// The first pass of writing a squashfs: one walk of the source tree that records what the
// inode and directory tables need (names, modes, owners, times, sizes, link targets, device
// numbers, hard links, extended attributes) and nothing of the file data, which the second
// pass streams. Entries are sorted bytewise within each directory, as squashfs requires, so
// everything numbered from this tree later is the same on every run.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image {

inline constexpr uint32_t no_xattrs = 0xFFFFFFFF;

struct SourceNode {
    uint32_t parent = 0;       // the root is its own parent
    uint32_t first_child = 0;  // directories: children are nodes [first_child, first_child + child_count)
    uint32_t child_count = 0;
    uint32_t subdirectories = 0;
    uint64_t name_offset = 0;  // into SourceTree's text
    uint32_t name_length = 0;
    // A hard link's other names point at the node that first named the inode (its "primary",
    // in walk order); a node that is no such extra name points at itself.
    uint32_t primary = 0;
    uint32_t links = 1;        // primaries: how many names the inode has inside the tree
    uint32_t mode = 0;         // st_mode: type and permission bits
    uint32_t uid = 0, gid = 0;
    int64_t mtime = 0;
    uint64_t size = 0;         // regular files: bytes as scanned; symlinks: target length
    uint64_t target_offset = 0;  // symlinks: where the target lies in SourceTree's text
    uint32_t device = 0;       // block and character devices: squashfs's 32-bit device number
    uint32_t file_index = 0;   // regular primaries: 0, 1, 2... in node order
    uint32_t xattrs = no_xattrs;  // what record_xattrs returned for this inode's attributes
};

struct SourceTree {
    std::string root;              // the source directory, as given
    std::vector<SourceNode> nodes;  // nodes[0] is the root
    std::string text;              // names and symlink targets
    uint32_t regular_files = 0;    // regular primaries
    uint64_t regular_bytes = 0;    // their sizes, summed

    std::string_view name(const SourceNode& node) const {
        return std::string_view(text).substr(node.name_offset, node.name_length);
    }
    std::string_view link_target(const SourceNode& node) const {
        return std::string_view(text).substr(node.target_offset, node.size);
    }
    // The host path of a node: root + "/" + names down from the root.
    std::string path(uint32_t index) const;
};

struct Xattr {
    std::string_view name;
    std::string_view value;
};

struct ScanOptions {
    bool all_root = true;
    // Given one inode's readable user.*, trusted.* and security.* attributes (never empty),
    // returns the index to store. Called in walk order, so the indices are deterministic.
    std::function<uint32_t(std::span<const Xattr>)> record_xattrs;
};

// Walks `root` (a directory, not followed below it: symlinks are recorded, never followed).
// Throws hpc::Error(no_input) naming the path that cannot be read or listed.
SourceTree scan_tree(const std::string& root, const ScanOptions& options);

// The squashfs device number of st_rdev: the kernel's new_encode_dev.
uint32_t squashfs_device_number(uint64_t rdev);

}  // namespace hpc::image
