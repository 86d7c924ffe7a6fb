// An instance's record checked against what runs on the node. A record is never trusted by
// itself: the launcher it names must hold the instance's lock, and the processes it names must
// be the ones that started at the times it gives (a pid reused after a reboot or a kill is not
// the instance). A record whose lock no one holds is stale (its launcher died, however) and is
// removed when it is read.
#pragma once

#include "common/unique_fd.hpp"
#include "instance/instance_directory.hpp"
#include "instance/instance_record.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hpc::instance {

struct RunningInstance {
    InstanceRecord record;
    UniqueFd launcher;       // a pidfd
    UniqueFd init;           // a pidfd
    UniqueFd init_process;   // /proc/PID of the init, open on it alone
};

// The instance `name` when it runs; nullopt when it does not (its stale record removed).
// `proc`: an open /proc. Throws hpc::Error(data) when the record is not one or names processes
// that are not the instance's while its launcher lives.
std::optional<RunningInstance> find_running(const InstanceDirectory& directory, const std::string& name, int proc);

// Every running instance whose name matches `pattern` (instance_name.hpp), sorted by name.
std::vector<RunningInstance> find_running_matching(const InstanceDirectory& directory, const std::string& pattern,
                                                   int proc);

// Sends `signal` to the instance's launcher (which passes it to the init, which passes it to
// every process in the container). False when it has gone already.
bool signal_instance(const RunningInstance& instance, int signal);

// Waits up to `timeout` for the launcher to end; true when it has.
bool wait_for_end(const RunningInstance& instance, std::chrono::milliseconds timeout);

}  // namespace hpc::instance
