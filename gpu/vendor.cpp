#include "gpu/host_gpu.hpp"

namespace hpc::gpu {

const char* option_name(Vendor vendor) { return vendor == Vendor::nvidia ? "--nv" : "--rocm"; }

}  // namespace hpc::gpu
