// One cache entry's lock: flock(2) on a file of its own in locks/ ("sha256-HEX" for a blob,
// "sif-sha256-HEX" for a SIF, "tag-HEX" for a tag record). flock, because the kernel drops it when
// its holder dies however it dies, so a fetch killed halfway leaves no lock behind. Across nodes:
// an NFS client maps flock to NFS (POSIX byte-range) locks, so it holds between the clients of
// one server; Lustre honours it only when the clients mount with -o flock (-o localflock keeps
// it to one node, and without either flock fails with ENOSYS, which is said).
//
// A lock file is removed only by the holder of its lock (clean). So that a process that opened
// it before then and waited does not go on holding a lock on a file no longer there while a
// third makes a new one, each acquirer checks after locking that the name still leads to the
// file it locked, and starts again when it does not. Within a process, threads take turns at a
// lock file before they lock it (process_claim.hpp), as NFS's locks do not tell threads apart.
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
