// exec, run, shell and test: open the image, plan the launch, and launch it (or print the
// plan with --dry-run).
#pragma once

#include "cmd/action_options.hpp"

namespace hpc::cmd {

// Returns hpc's exit status: the payload's. Throws hpc::Error for hpc's own failures.
int run_action(const ActionOptions& options, sandbox::Action action);

}  // namespace hpc::cmd
