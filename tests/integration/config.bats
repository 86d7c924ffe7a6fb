#!/usr/bin/env bats
# hpc config check: the admin's site config validated, and the policy it sets shown.
load common

setup() {
    dir=$(scratch_dir)
    file=$dir/hpc.toml
}

@test "a valid file: ok, then every key with its value, exit 0" {
    cat >"$file" <<'TOML'
[binds]
deny = ["/etc/shadow", "/root/"]

[network]
allow = ["none", "slirp"]
default = "none"
TOML
    chmod 0644 "$file"
    run "$HPC" config check "$file"
    [ "$status" -eq 0 ]
    expected="$file: ok

[binds]
default = []
allow = []
deny = [\"/etc/shadow\", \"/root\"]

[images]
allow_paths = []
allow_formats = [\"sif\", \"squashfs\", \"dir\"]
allow_owners = []

[fakeroot]
allow = true
allow_without_subuid = true

[network]
allow = [\"none\", \"slirp\"]
default = \"none\"

[mount]
share_per_node = true
share_linger = 5

[mpi]
default = \"image\"
library = \"\"

[slurm]
stage_directory = \"\"

[oci]
mirrors = {}
allow = []
deny = []
cache_dir = \"\"
tag_check_seconds = 60

[gpu]
nvidia_libraries = [\"libcuda.so\", \"libcudadebugger.so\", \"libnvidia-ml.so\", \"libnvidia-ptxjitcompiler.so\", \"libnvidia-nvvm.so\", \"libnvidia-opencl.so\", \"libnvidia-encode.so\", \"libnvcuvid.so\", \"libnvidia-opticalflow.so\", \"libnvidia-compiler.so\", \"libnvidia-fatbinaryloader.so\", \"libnvidia-cfg.so\", \"libnvidia-allocator.so\", \"libnvidia-gpucomp.so\", \"libnvidia-pkcs11.so\", \"libnvidia-pkcs11-openssl3.so\", \"libnvidia-cbl.so\", \"libnvidia-rtcore.so\", \"libnvoptix.so\", \"libnvidia-ngx.so\", \"libnvidia-fbc.so\", \"libnvidia-ifr.so\", \"libnvidia-tls.so\", \"libnvidia-glcore.so\", \"libnvidia-glsi.so\", \"libnvidia-glvkspirv.so\", \"libnvidia-eglcore.so\", \"libnvidia-egl-wayland.so\", \"libnvidia-egl-gbm.so\", \"libnvidia-wfb.so\", \"libEGL_nvidia.so\", \"libGLESv1_CM_nvidia.so\", \"libGLESv2_nvidia.so\", \"libGLX_nvidia.so\", \"libvdpau_nvidia.so\", \"libEGL.so\", \"libGLESv1_CM.so\", \"libGLESv2.so\", \"libGL.so\", \"libGLX.so\", \"libGLdispatch.so\", \"libOpenGL.so\", \"libOpenCL.so\"]
nvidia_programs = [\"nvidia-smi\", \"nvidia-debugdump\", \"nvidia-persistenced\", \"nvidia-cuda-mps-control\", \"nvidia-cuda-mps-server\"]
rocm_libraries = [\"libamdhip64.so\", \"libamd_comgr.so\", \"libcomgr.so\", \"libhsa-runtime64.so\", \"libhsakmt.so\", \"libhc_am.so\", \"libhip_hcc.so\", \"libhipblas.so\", \"libhiprand.so\", \"libmcwamp.so\", \"libmcwamp_cpu.so\", \"libmcwamp_hsa.so\", \"libmiopengemm.so\", \"libMIOpen.so\", \"librccl.so\", \"librocblas.so\", \"librocfft-device.so\", \"librocfft.so\", \"librocrand.so\", \"librocr_debug_agent64.so\", \"libCXLActivityLogger.so\", \"libdrm.so\", \"libdrm_amdgpu.so\", \"libelf.so\", \"libnuma.so\", \"libpci.so\", \"libamdcomgr64.so\", \"libamdocl64.so\", \"libcltrace.so\", \"libOpenCL.so\"]
rocm_programs = [\"rocm-smi\", \"rocminfo\"]
require_driver = false
cdi_directories = [\"/etc/cdi\", \"/var/run/cdi\"]"
    [ "$output" = "$expected" ]
}

@test "an unknown key: exit 78, one line naming the file, the line and the key" {
    printf '[network]\nallow = ["host"]\nspeed = 10\n' >"$file"
    chmod 0644 "$file"
    run -78 "$HPC" config check "$file"
    [ "$output" = "hpc: $file:3: network.speed: unknown key (known: allow, default)" ]
}

@test "a value out of range: exit 78" {
    printf '[network]\ndefault = "slirp"\nallow = ["host"]\n' >"$file"
    chmod 0644 "$file"
    run -78 "$HPC" config check "$file"
    [ "$output" = "hpc: $file:2: network.default: 'slirp' is not in network.allow" ]
}

@test "a group-writable file is refused, however valid" {
    printf '[mount]\nshare_per_node = false\n' >"$file"
    chmod 0664 "$file"
    run -78 "$HPC" config check "$file"
    uid=$(id -u)
    [ "$output" = "hpc: $file: must be owned by root or uid $uid and not writable by group or others (owner uid $uid, mode 0664)" ]
    chmod 0646 "$file"
    run -78 "$HPC" config check "$file"
    [[ "$output" == *"(owner uid $uid, mode 0646)" ]]
}

@test "a file that is not there: exit 66; a directory: exit 78" {
    run -66 "$HPC" config check "$dir/missing.toml"
    [ "$output" = "hpc: $dir/missing.toml: no such file" ]
    run -78 "$HPC" config check "$dir"
    [ "$output" = "hpc: $dir: not a regular file" ]
}

@test "without FILE: the installed file, or the built-in policy when there is none" {
    run "$HPC" config check
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == /*": ok" || "${lines[0]}" == /*": no such file; the built-in defaults apply" ]]
    [ "${lines[1]}" = "[binds]" ]
    [[ "${lines[-1]}" == "cdi_directories = "* ]]
}
