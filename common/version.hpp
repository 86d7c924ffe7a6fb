// hpc's version, from CMake's project(VERSION): written once, in CMakeLists.txt.
#pragma once

namespace hpc {

inline constexpr char version[] = HPC_VERSION;

}  // namespace hpc
