// The layout every image hpc builds has, as Apptainer's builds lay it out, before %setup runs:
// /.singularity.d with its env/ scripts (the base ones; %environment is added later), actions/,
// libs/, a default runscript; the mount points a container needs; empty /etc/hosts and
// /etc/resolv.conf; the /environment and /singularity links. Existing files are kept: a base
// image built by Apptainer or hpc already has its own.
#pragma once

#include <string>

namespace hpc::builder {

// `root` is the stage's tree. Throws hpc::Error naming the file it could not write.
void make_base_environment(const std::string& root);

}  // namespace hpc::builder
