// A launch in a SCIF app (--app NAME), as Apptainer's runtime makes one: APPTAINER_APPNAME and
// SINGULARITY_APPNAME exported; among the image's environment scripts, where Apptainer's images
// source their 95-apps.sh, the app made active (the SCIF_APP* variables, its bin/ first on PATH
// and its lib/ on LD_LIBRARY_PATH, its env/01-base.sh and %appenv sourced); `run` and `test` exec
// the app's runscript and test, an instance's `start` its startscript. hpc does 95-apps.sh's work
// itself, so that an image built by hpc (which has no such script) and one built by Apptainer
// behave alike; an image's own 95-apps.sh is not sourced while an app is active. Pure: text and
// values only.
#pragma once

#include "sandbox/environment/environment.hpp"

#include <string>

namespace hpc::sandbox {

// APPTAINER_APPNAME and SINGULARITY_APPNAME, for the payload's environment.
EnvVars app_runtime_variables(const std::string& name);

// Throws hpc::Error(data) when `action` needs a script the app has not got: run its runscript
// (%apprun), test its test (%apptest), an instance's start its startscript (%appstart). Apptainer
// fails these in the container, with exit 1.
void check_app_action(const ScifAppFacts& app, Action action);

// What run, test and start exec for the app.
std::string app_action_program(const ScifAppFacts& app, Action action);

// Appends to an action script the shell text that makes the app active.
void write_app_activation(std::string& out, const ScifAppFacts& app);

}  // namespace hpc::sandbox
