// This process's own claim on a lock file, taken before the file is opened and locked. flock
// excludes open file descriptions, so threads as well as processes, on a local file system; but
// an NFS client turns it into a POSIX lock, which is the whole process's: a second thread would
// get it at once, and closing any descriptor of the file would drop it for both. So within a
// process, a lock file is opened by one thread at a time, the one holding its claim.
#pragma once

#include <optional>
#include <string>

namespace hpc::image::cache {

class ProcessClaim {
public:
    // `key` names the lock file (its folder's device and inode, and its name). take() waits
    // while another thread holds it; try_take() does not.
    static ProcessClaim take(const std::string& key);
    static std::optional<ProcessClaim> try_take(const std::string& key);

    ProcessClaim(ProcessClaim&& other) noexcept : key_(std::move(other.key_)), held_(other.held_) { other.held_ = false; }
    ProcessClaim& operator=(ProcessClaim&&) = delete;
    ProcessClaim(const ProcessClaim&) = delete;
    ~ProcessClaim();

private:
    explicit ProcessClaim(std::string key) : key_(std::move(key)), held_(true) {}

    std::string key_;
    bool held_;
};

}  // namespace hpc::image::cache
