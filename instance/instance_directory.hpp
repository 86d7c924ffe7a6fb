// Where a user's instances are kept on this host, as Apptainer keeps them under its own folder:
//   ~/.hpc/instances/app/HOST/USER/NAME.json   the record (instance_record.hpp)
//   ~/.hpc/instances/app/HOST/USER/NAME.lock   locked (flock) by the instance's launcher while it lives
//   ~/.hpc/instances/logs/HOST/USER/NAME.out and NAME.err
// Homes are shared between nodes: the host's name keeps each node's instances apart. The folders
// are opened once, checked as one user's (common/private_folder.hpp), and used through their
// descriptors: a launcher, whose root is its container's staging by the time it writes its
// record, writes and removes it through the descriptor it opened before.
#pragma once

#include "common/unique_fd.hpp"
#include "instance/instance_record.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hpc::instance {

// More records than this in the folder are not read (a list says so).
inline constexpr std::size_t max_instances = 4096;

struct LogFiles {
    UniqueFd out, err;
    std::string out_path, err_path;
};

class InstanceDirectory {
public:
    // The folders of `user` whose home is `home`, on `host` (made 0700 where missing).
    // Throws hpc::Error naming the folder.
    static InstanceDirectory open(const std::string& home, const std::string& host, const std::string& user);

    const std::string& path() const { return records_path_; }
    // The names that have a record, sorted; at most max_instances + 1 (more than max_instances: cut).
    std::vector<std::string> names() const;
    // The record's text, or nullopt when there is none. Throws hpc::Error(data) for one that
    // is not a regular file or is larger than max_record_bytes.
    std::optional<std::string> read_record(const std::string& name) const;
    // Replaces the record at once (a temporary file renamed over it): a reader sees the old or the new.
    void write_record(const InstanceRecord& record) const;
    void remove_record(const std::string& name) const;

    // The instance's lock, taken now; nullopt when its launcher (another) holds it.
    std::optional<UniqueFd> take_lock(const std::string& name) const;
    bool is_locked(const std::string& name) const;
    // Removes the lock file; by its holder only (named_lock.hpp).
    void remove_lock(const std::string& name) const;

    // NAME.out and NAME.err, emptied (a new instance of the name starts new logs), never through a link.
    LogFiles open_logs(const std::string& name) const;

private:
    UniqueFd records_, logs_;
    std::string records_path_, logs_path_;
};

}  // namespace hpc::instance
