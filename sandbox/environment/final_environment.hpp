// The payload's environment as the action script (action_script.hpp) would leave it, computed
// here, so that the payload is exec'd directly: no shell start-up, and images without /bin/sh
// work. Possible when nothing the image's shell alone can do is asked of it: the image has no
// environment scripts, or only ones hpc's builds write word for word (known_scripts.hpp); no
// value is to be evaluated; no SCIF app is active; and LD_LIBRARY_PATH needs none of the system
// directories that only the container's ldconfig can list.
#pragma once

#include "sandbox/environment/environment.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hpc::sandbox {

// "NAME=VALUE" entries, in the order the names were first set; nullopt when the shell must run.
std::optional<std::vector<std::string>> final_environment(const ContainerEnvironment& environment,
                                                          const ImageFacts& image);

}  // namespace hpc::sandbox
