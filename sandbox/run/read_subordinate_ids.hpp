// Reading the user's subordinate id ranges on this host, for --fakeroot.
#pragma once

#include "sandbox/plan/subordinate_ids.hpp"

#include <string>

namespace hpc::sandbox {

// Asks shadow's own library (libsubid, loaded only when --fakeroot asks: it brings SELinux and
// audit libraries that every other launch would pay for) for `user_name`'s ranges, as
// newuidmap will check them: lines naming the user or their uid, several ranges each.
SubordinateIds read_subordinate_ids(const std::string& user_name);

}  // namespace hpc::sandbox
