// exec, run, shell and test of instance://NAME: the command runs in the instance's container
// (its namespaces, mounts and root), with this command's environment and working directory.
#pragma once

#include "cmd/action_options.hpp"

#include <string_view>

namespace hpc::cmd {

bool is_instance_reference(std::string_view image_word);

// The image of the running instance instance://NAME (inspect and run-help read it). Throws
// hpc::Error(no_input) when no such instance runs.
std::string instance_image(std::string_view image_word);

// Returns the payload's status. Throws hpc::Error(no_input) when no such instance runs.
int run_in_instance(const ActionOptions& options, sandbox::Action action);

}  // namespace hpc::cmd
