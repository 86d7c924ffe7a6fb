// -W's directories (sandbox/plan/scratch_mounts.hpp): a directory below the host's WORKDIR,
// each one missing on the way made, reached through descriptors from WORKDIR's own and never
// through a symlink. What the site's policy judged is WORKDIR: nothing below it may lead out.
#pragma once

#include "common/unique_fd.hpp"

#include <cstdint>
#include <string>

namespace hpc::sandbox {

// A descriptor of `subdirectory` ("scratch/data") of the directory `workdir` (a descriptor,
// O_PATH will do), for mounting through descriptor_link(); each directory missing on the way is
// made with exactly `mode` (the umask aside, as Apptainer makes them), one that exists keeps
// its own. Throws hpc::Error naming `where`/`subdirectory` (`where`: WORKDIR's path, for
// messages) and the cause: a symlink or something else than a directory in the way (data), or
// errno's.
UniqueFd open_work_directory(int workdir, const std::string& subdirectory, uint32_t mode, const std::string& where);

}  // namespace hpc::sandbox
