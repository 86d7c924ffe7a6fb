#include "cmd/action_command.hpp"

#include "cmd/instance_entry.hpp"
#include "cmd/planned_launch.hpp"

namespace hpc::cmd {

int run_action(const ActionOptions& options, sandbox::Action action) {
    if (!options.image_and_args.empty() && is_instance_reference(options.image_and_args.front()))
        return run_in_instance(options, action);
    PlannedLaunch launch(options, action);
    if (!launch.announce(options)) return 0;
    return launch.run(options);
}

}  // namespace hpc::cmd
