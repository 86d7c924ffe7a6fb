// One cache entry's lock: a named lock (common/named_lock.hpp) on a file of its own in locks/
// ("sha256-HEX" for a blob, "sif-sha256-HEX" for a SIF, "tag-HEX" for a tag record), so that a
// fetch killed halfway leaves no lock behind. Within a process, threads take turns at a lock
// file before they lock it (process_claim.hpp), as NFS's locks do not tell threads apart.
#pragma once

#include "common/unique_fd.hpp"
#include "image/cache/process_claim.hpp"

#include <optional>
#include <utility>
#include <string>

namespace hpc::image::cache {

class EntryLock {
public:
    // Waits for the lock as long as its holder keeps it (a fetch may take minutes).
    static EntryLock acquire(int locks_folder, const std::string& name, const std::string& locks_path);
    // The lock when it is free now; nullopt when another holds it.
    static std::optional<EntryLock> try_acquire(int locks_folder, const std::string& name, const std::string& locks_path);

    // Removes the lock file, keeping the lock until this object goes (clean, once its entry is gone).
    void remove_file();

private:
    EntryLock(int locks_folder, std::string name, ProcessClaim claim, UniqueFd fd)
        : locks_folder_(locks_folder), name_(std::move(name)), claim_(std::move(claim)), fd_(std::move(fd)) {}
    static std::optional<EntryLock> lock(int locks_folder, const std::string& name, const std::string& locks_path,
                                         bool wait);

    int locks_folder_;
    std::string name_;
    ProcessClaim claim_;  // given up after fd_ is closed, and with it the lock
    UniqueFd fd_;
};

}  // namespace hpc::image::cache
