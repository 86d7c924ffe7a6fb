// The user's home directory as hpc's own commands take it (the image cache's default root,
// ~/.docker/config.json): not the container's, which the planner decides.
#pragma once

#include <string>
#include <vector>

namespace hpc {

// $HOME when absolute, else the passwd entry's. Throws hpc::Error(config) when there is neither.
std::string home_directory(const std::vector<std::string>& environ);

}  // namespace hpc
