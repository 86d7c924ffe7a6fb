// The fields of /proc/PID/stat an instance is checked and measured by (proc(5)), read through an
// open /proc/PID: a descriptor that stays on its process, whose reads fail once it has gone, so
// that what is read is never another process that took its pid.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hpc::instance {

struct ProcessStat {
    uint64_t cpu_ticks = 0;   // utime + stime + cutime + cstime (its own and its reaped children's)
    uint64_t start_time = 0;  // clock ticks after boot
};

// Parses a stat line (the command in parentheses may hold anything, ')' included); nullopt
// when it is not one.
std::optional<ProcessStat> parse_process_stat(std::string_view line);

// nullopt when the process has gone or cannot be read.
std::optional<ProcessStat> read_process_stat(int process_directory);

}  // namespace hpc::instance
