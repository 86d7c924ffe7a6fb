// What hpc keeps of a running instance, one JSON file per instance (instance_directory.hpp):
// written by its launcher once the container is up, removed when it ends, and never trusted by
// itself: a reader checks it against the launcher's lock and the processes' start times
// (running_instance.hpp), for the node may have rebooted or the processes been killed since.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace hpc::instance {

struct InstanceRecord {
    std::string name;
    std::string user;
    pid_t pid = 0;               // the container's init, as the host numbers it (Apptainer's "pid")
    uint64_t pid_start = 0;      // its start time (clock ticks after boot): a reused pid is not it
    pid_t launcher = 0;          // hpc, which serves the image and supervises (Apptainer's "ppid")
    uint64_t launcher_start = 0;
    std::string image;           // the image's path, as the launch resolved it
    std::string ip;              // the container's address with --network slirp, else empty
    std::string log_out;         // the logs of the launcher and the container's processes
    std::string log_err;
    bool fakeroot = false;       // started with --fakeroot: who a joining process is inside
    std::string slurm_job;       // SLURM_JOB_ID it was started in, or empty
    int64_t started = 0;         // seconds since the epoch

    bool operator==(const InstanceRecord&) const = default;
};

// Records larger than this are refused unread.
inline constexpr std::size_t max_record_bytes = 64 * 1024;

std::string to_json(const InstanceRecord& record);

// Throws hpc::Error(data) "instance record NAME: ..." when `text` is not one.
InstanceRecord parse_record(std::string_view text, std::string_view name);

}  // namespace hpc::instance
