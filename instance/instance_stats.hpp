// What an instance's processes use, as `instance stats` shows it. Apptainer reads a cgroup, and
// so answers only where cgroups v2 are delegated to users; hpc counts the processes of the
// instance's PID namespace in /proc, which every node has.
#pragma once

#include <chrono>
#include <cstdint>

namespace hpc::instance {

struct InstanceUsage {
    uint64_t processes = 0;
    double cpu_seconds = 0;        // used so far by its live processes and those they reaped
    uint64_t memory_bytes = 0;     // proportional set size (Pss), resident size where Pss is unreadable
    uint64_t read_bytes = 0;       // from storage, /proc/PID/io (where readable)
    uint64_t written_bytes = 0;
};

// The processes under `proc` (an open /proc) in the PID namespace of `init_process` (an open
// /proc/PID of the instance's init), at most 65536 of them.
InstanceUsage measure_instance(int proc, int init_process);

// The node's memory (MemTotal), for the percentage; 0 when unknown.
uint64_t node_memory_bytes(int proc);

}  // namespace hpc::instance
