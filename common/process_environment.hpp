// The process's own environment as "NAME=VALUE" entries, in environ(7)'s order: read once where
// hpc needs it whole (the host's facts for a launch, the options' variables, a Slurm job's),
// and looked up in with common/environ.hpp. Apart from common/environ.cpp, which the planner
// uses and must not read the host.
#pragma once

#include <string>
#include <vector>

namespace hpc {

std::vector<std::string> process_environment();

}  // namespace hpc
