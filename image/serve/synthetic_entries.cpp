#include "image/serve/synthetic_entries.hpp"

#include "common/error.hpp"

#include <cerrno>
#include <mutex>

namespace hpc::image {

SyntheticEntries::Entry SyntheticEntries::add(uint64_t parent, std::string_view name, bool directory) {
    std::unique_lock lock(mutex_);
    // Checked under the lock, so that nothing is added after seal() has returned.
    if (sealed_.load()) throw Error(ExitCode::os, "the image is sealed: no more mount points", EROFS);
    for (uint64_t sibling : children_[parent]) {
        if (entries_.at(sibling).name == name)
            throw Error(ExitCode::os, std::string(name) + " exists", EEXIST);
    }
    Entry entry{next_ino_++, parent, std::string(name), directory};
    entries_.emplace(entry.ino, entry);
    children_[parent].push_back(entry.ino);
    count_.fetch_add(1, std::memory_order_relaxed);
    return entry;
}

std::optional<SyntheticEntries::Entry> SyntheticEntries::find(uint64_t parent, std::string_view name) const {
    if (size() == 0) return std::nullopt;
    std::shared_lock lock(mutex_);
    auto siblings = children_.find(parent);
    if (siblings == children_.end()) return std::nullopt;
    for (uint64_t sibling : siblings->second) {
        const Entry& entry = entries_.at(sibling);
        if (entry.name == name) return entry;
    }
    return std::nullopt;
}

std::optional<SyntheticEntries::Entry> SyntheticEntries::get(uint64_t ino) const {
    if (size() == 0) return std::nullopt;
    std::shared_lock lock(mutex_);
    auto found = entries_.find(ino);
    if (found == entries_.end()) return std::nullopt;
    return found->second;
}

std::vector<SyntheticEntries::Entry> SyntheticEntries::children(uint64_t parent) const {
    std::vector<Entry> out;
    if (size() == 0) return out;
    std::shared_lock lock(mutex_);
    auto siblings = children_.find(parent);
    if (siblings == children_.end()) return out;
    for (uint64_t sibling : siblings->second) out.push_back(entries_.at(sibling));
    return out;
}

}  // namespace hpc::image
