// The built-in lists of [gpu], which a site's file replaces whole. NVIDIA's: Apptainer's
// nvliblist.conf, less its 32-bit-only and test entries, with what drivers since 450 added
// beside libcuda: the NVVM and debugger libraries CUDA's JIT and cuda-gdb load, the NGX and
// OptiX ones, the allocator and PKCS#11 ones. ROCm's: Apptainer's rocmliblist.conf, with HIP's
// runtime, which ROCm 5 renamed libamdhip64.
#include "site-config/site_config.hpp"

namespace hpc::site {

const std::vector<std::string>& default_nvidia_libraries() {
    static const std::vector<std::string> names{
        "libcuda.so", "libcudadebugger.so", "libnvidia-ml.so", "libnvidia-ptxjitcompiler.so", "libnvidia-nvvm.so",
        "libnvidia-opencl.so", "libnvidia-encode.so", "libnvcuvid.so", "libnvidia-opticalflow.so",
        "libnvidia-compiler.so", "libnvidia-fatbinaryloader.so", "libnvidia-cfg.so", "libnvidia-allocator.so",
        "libnvidia-gpucomp.so", "libnvidia-pkcs11.so", "libnvidia-pkcs11-openssl3.so", "libnvidia-cbl.so",
        "libnvidia-rtcore.so", "libnvoptix.so", "libnvidia-ngx.so", "libnvidia-fbc.so", "libnvidia-ifr.so",
        "libnvidia-tls.so", "libnvidia-glcore.so", "libnvidia-glsi.so", "libnvidia-glvkspirv.so",
        "libnvidia-eglcore.so", "libnvidia-egl-wayland.so", "libnvidia-egl-gbm.so", "libnvidia-wfb.so",
        "libEGL_nvidia.so", "libGLESv1_CM_nvidia.so", "libGLESv2_nvidia.so", "libGLX_nvidia.so",
        "libvdpau_nvidia.so", "libEGL.so", "libGLESv1_CM.so", "libGLESv2.so", "libGL.so", "libGLX.so",
        "libGLdispatch.so", "libOpenGL.so", "libOpenCL.so"};
    return names;
}

const std::vector<std::string>& default_nvidia_programs() {
    static const std::vector<std::string> names{"nvidia-smi", "nvidia-debugdump", "nvidia-persistenced",
                                                "nvidia-cuda-mps-control", "nvidia-cuda-mps-server"};
    return names;
}

const std::vector<std::string>& default_rocm_libraries() {
    static const std::vector<std::string> names{
        "libamdhip64.so", "libamd_comgr.so", "libcomgr.so", "libhsa-runtime64.so", "libhsakmt.so", "libhc_am.so",
        "libhip_hcc.so", "libhipblas.so", "libhiprand.so", "libmcwamp.so", "libmcwamp_cpu.so", "libmcwamp_hsa.so",
        "libmiopengemm.so", "libMIOpen.so", "librccl.so", "librocblas.so", "librocfft-device.so", "librocfft.so",
        "librocrand.so", "librocr_debug_agent64.so", "libCXLActivityLogger.so", "libdrm.so", "libdrm_amdgpu.so",
        "libelf.so", "libnuma.so", "libpci.so", "libamdcomgr64.so", "libamdocl64.so", "libcltrace.so",
        "libOpenCL.so"};
    return names;
}

const std::vector<std::string>& default_rocm_programs() {
    static const std::vector<std::string> names{"rocm-smi", "rocminfo"};
    return names;
}

}  // namespace hpc::site
