// A stage's SCIF apps in its tree, as Apptainer's apps.go lays them out: for each app,
// /scif/apps/NAME with bin/, lib/ and scif/ (runscript, startscript and test with a /bin/sh #!
// line, runscript.help, labels.json with SCIF_APP_NAME and %applabels, env/01-base.sh with the
// app's SCIF_* variables, env/90-environment.sh with %appenv), its %appfiles copied in, and
// /scif/data/NAME/input and output; then /.singularity.d/env/94-appsbase.sh with every app's
// SCIF_APPROOT_NAME and the other per-app variables. %appinstall runs after %post, in the same
// script (app_install_script), as Apptainer appends it there.
#pragma once

#include "definition/definition.hpp"

#include <string>

namespace hpc::builder {

// Lays out the stage's apps in `root` (a stage with none is left as it is), before %setup and
// %files, in Apptainer's order. Throws hpc::Error naming the file it could not write or copy.
void lay_out_apps(const std::string& root, const image::DefinitionStage& stage);

// What follows %post in its script: each %appinstall in its app's folder, after the app's
// 01-base.sh, then back in /. Empty when no app has an %appinstall.
std::string app_install_script(const image::DefinitionStage& stage);

}  // namespace hpc::builder
