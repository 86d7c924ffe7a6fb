// hpc instance start|run [options] IMAGE NAME [ARGS]: the container started detached, its
// launcher in a session of its own with its output in the instance's logs, and the command
// returning once the container is up (its startscript or runscript exec'd), or with the error
// that kept it from coming up. The launcher holds the instance's lock while it lives and writes
// the record once the container is up (instance/instance_directory.hpp); when the instance
// stops, it removes both.
#pragma once

#include "cmd/action_options.hpp"

#include <string>

namespace hpc::cmd {

struct InstanceStartOptions {
    ActionOptions action;  // image_and_args: IMAGE NAME [ARGS]
    std::string pid_file;  // --pid-file: the container init's pid, written there
};

// `action`: start (the startscript) or run (the runscript). Returns 0 once the instance is up;
// throws hpc::Error with the launcher's error otherwise.
int start_instance(const InstanceStartOptions& options, sandbox::Action action);

}  // namespace hpc::cmd
