// mpi/: launch integration. It finds what an MPI launch needs of a container and says so as
// data for sandbox/'s planner:
//  - the session directories a launcher (srun --mpi=pmix, mpirun) names to its ranks, which
//    must be seen at the same paths (launch_directories.hpp);
//  - the bind model (--mpi host): the host's MPI, found as the loader would find it
//    (library_search.hpp, ld_so_cache.hpp, elf_object.hpp, host_mpi.hpp), checked against
//    the image's (image_libraries.hpp, mpi_library.hpp) and planned (bind_model.hpp).
// It reads files (the host's, or an image's through a FileView builder/ makes) but mounts
// nothing, and knows nothing of namespaces or of image formats.
#pragma once

#include "mpi/bind_model.hpp"
#include "mpi/host_mpi.hpp"
#include "mpi/image_libraries.hpp"
#include "mpi/launch_directories.hpp"
