// The planner's facts about the host, gathered from the real one (sandbox/plan/host_facts.hpp
// says what they are; this is the only part of them that makes system calls).
#pragma once

#include "sandbox/plan/host_facts.hpp"

namespace hpc::sandbox {

// The real host: getpwuid/getgrouplist for the user, $PWD or getcwd, environ, realpath.
HostFacts gather_host_facts();

}  // namespace hpc::sandbox
