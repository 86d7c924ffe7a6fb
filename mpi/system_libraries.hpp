// Libraries the bind model treats apart from the rest of the host MPI's dependencies.
//  - glibc's: they come with the dynamic loader, and a process has one glibc: the image's.
//    The host's libraries must find every symbol version they need from it in the image's.
//  - the compiler's run-time libraries (libstdc++, libgcc_s, libgfortran, ...): symbol-
//    versioned and backward compatible, so the newer of the host's and the image's serves both.
#pragma once

#include <string_view>
#include <vector>

namespace hpc::mpi {

bool is_glibc_library(std::string_view name);
bool is_compiler_runtime(std::string_view name);

// The newest of versions such as "GLIBC_2.34" (by number, GLIBC_PRIVATE and the like left
// out); empty when there is none.
std::string_view newest_version(const std::vector<std::string>& versions);

}  // namespace hpc::mpi
