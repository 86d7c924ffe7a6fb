// Making room for a mount point where a directory of the image cannot take a new entry: a
// directory image is mounted read-only, and the kernel refuses to create anything in a
// directory owned by an id the user namespace does not map (root's, in a sandbox that root
// made). The directory is covered by a tmpfs holding the same entries, each bound from the
// original (with whatever is mounted below it) or, for a symlink, linked again, as Apptainer's
// "underlay" does; new entries can then be made in the tmpfs. Nothing of the image is written.
#pragma once

#include <string>

namespace hpc::sandbox {

// Covers `directory` as described; `parking` is a free path outside the container's tree where
// the original stays reachable. Throws hpc::Error naming the step.
void shadow_directory(const std::string& directory, const std::string& parking);

// Whether a failure to create an entry (its errno) is one that shadowing the directory cures.
bool shadowing_helps(int err);

}  // namespace hpc::sandbox
