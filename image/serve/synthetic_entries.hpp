// Entries that exist only in the server: the empty directories and files a container needs as
// mount points where the image has none (/proc, /sys, a bind destination). They are made
// through the mount with mkdir(2) and mknod(2) until seal(); from then on the tree is
// read-only. They never change the image and vanish with the mount.
//
// Thread-safe: workers look entries up concurrently with the (rare) additions.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hpc::image {

class SyntheticEntries {
public:
    struct Entry {
        uint64_t ino = 0;
        uint64_t parent = 0;  // a FUSE inode: an image directory or a synthetic one
        std::string name;
        bool directory = false;
    };

    // Entries get FUSE inodes first_ino, first_ino + 1, ... (a range the image cannot use).
    explicit SyntheticEntries(uint64_t first_ino) : next_ino_(first_ino) {}

    // Adds an entry under `parent`, which the caller has checked is a directory and lacks
    // `name` in the image. Throws hpc::Error carrying EROFS once sealed, EEXIST if the name is
    // already a synthetic entry there.
    Entry add(uint64_t parent, std::string_view name, bool directory);

    std::optional<Entry> find(uint64_t parent, std::string_view name) const;
    std::optional<Entry> get(uint64_t ino) const;
    std::vector<Entry> children(uint64_t parent) const;  // in the order they were made

    void seal() { sealed_.store(true); }
    bool sealed() const { return sealed_.load(); }
    std::size_t size() const { return count_.load(std::memory_order_relaxed); }

private:
    mutable std::shared_mutex mutex_;
    std::unordered_map<uint64_t, Entry> entries_;
    std::unordered_map<uint64_t, std::vector<uint64_t>> children_;
    uint64_t next_ino_;
    std::atomic<bool> sealed_{false};
    std::atomic<std::size_t> count_{0};  // lets the common case, none at all, skip the lock
};

}  // namespace hpc::image
