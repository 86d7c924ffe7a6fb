// The bind model (--mpi host): the host's MPI in place of the image's, for a program built
// against the image's. Pure: from what was found of the host's MPI and asked of the image,
// either the refusal, naming both libraries and the cause, or what to bind:
//  - the host's libraries, each under the name the loader looks for, into one directory that
//    comes first in LD_LIBRARY_PATH, so that they are found before the image's;
//  - the directories they open at run time (plugins), at their own paths, over the image's.
// glibc stays the image's (a process has one, tied to its loader), so the host's libraries
// must find in it every symbol version they need. Of the compiler run-time libraries the
// image's stays when it has all the versions the host's libraries need, else the host's
// (the newer) serves both.
#pragma once

#include "mpi/host_mpi.hpp"
#include "mpi/image_libraries.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hpc::mpi {

// In the container: where the host's libraries are bound.
inline constexpr std::string_view library_directory = "/.hpc.d/mpi/lib";

struct BindModel {
    std::vector<HostLibrary> libraries;      // into library_directory, each as its `name`
    std::vector<HostDirectory> directories;  // at their own paths
};

// Throws hpc::Error(data) "--mpi host: the image's <its libmpi> cannot use the host's <libmpi>:
// <cause>" when the ABIs differ or the image's glibc lacks a version the host's libraries need.
BindModel plan_bind_model(const HostMpi& host, const MpiLibrary& image_mpi, const ImageLibraries& image);

}  // namespace hpc::mpi
