// %files, as Apptainer copies: from the host with `cp -fLr` (a glob may name several sources;
// the first level of links is followed), or from an earlier stage's tree with its links and
// modes kept; the destination is resolved inside the stage's root, never outside it, and its
// parent directories are made.
#pragma once

#include "definition/definition.hpp"

#include <string>

namespace hpc::builder {

// Every %files and %appfiles source on the host exists (a glob matches): checked before any work.
// Throws hpc::Error(no_input) "name:line: %files source 'x' does not exist" (or "%appfiles APP").
void check_host_sources(const image::Definition& definition, const std::string& definition_name);

// Copies one %files section into `root`. `source_root` is "" for the host, else the tree of the
// stage the section names.
void copy_files(const image::FilesSection& section, const std::string& source_root, const std::string& root);

}  // namespace hpc::builder
