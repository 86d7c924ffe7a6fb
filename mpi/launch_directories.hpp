// The directories an MPI launcher tells its ranks about, which a rank in a container must see
// at the same paths. The PMIx client maps its server's data store (the dstore) from files in
// them: under `srun --mpi=pmix` the session directory is /var/spool/slurmd/pmix.<job>.<step>,
// outside any image; under Open MPI's mpirun it is below $TMPDIR or /tmp, which --contain
// replaces. The server itself is reached through PMIX_SERVER_URI*, a TCP address on the
// host's network (shared by default), and MPICH's Hydra and Slurm's PMI-2 pass a descriptor
// (PMI_FD): those need nothing bound.
#pragma once

#include <string>
#include <vector>

namespace hpc::mpi {

struct LaunchDirectory {
    std::string variable;  // "PMIX_SERVER_TMPDIR"
    std::string path;      // normalised absolute host path, as the variable names it

    bool operator==(const LaunchDirectory&) const = default;
};

// The session directories that `environ` ("NAME=value" entries) names, by path, so that a
// directory comes before those below it; the first variable naming a path is the one kept.
// Values that are not absolute paths, and "/", are left out. The base directories the
// launchers make their session directories in (PMIX_SYSTEM_TMPDIR, Open MPI's
// orte_tmpdir_base) are not among them: bound whole they would undo --contain's /tmp, and a
// client needs only its own session's.
std::vector<LaunchDirectory> launch_directories(const std::vector<std::string>& environ);

}  // namespace hpc::mpi
