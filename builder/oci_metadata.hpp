// What an image built from an OCI or Docker image holds in /.singularity.d, as Apptainer's builds
// from one leave it (its OCI conveyor-packer): the config's Env as env/10-docker2singularity.sh,
// a runscript that runs Entrypoint and Cmd, the config's Labels as labels.json; and, for
// `hpc inspect --oci`, the manifest and config as they were stored, in oci/.
#pragma once

#include "image/oci/oci_image.hpp"

#include <string>

namespace hpc::builder {

// Writes into the tree `root` (after the layers are applied: what they had at these paths is
// replaced). A directory the layers made a link resolves inside the tree, never outside it.
// Throws hpc::Error naming the file it could not write, or the config entry no shell can
// hold (a NUL byte).
void write_oci_metadata(const std::string& root, const image::oci::Image& image);

}  // namespace hpc::builder
