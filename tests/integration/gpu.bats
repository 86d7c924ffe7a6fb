#!/usr/bin/env bats
# GPUs: --nv and --rocm bring a host driver's user-space files and device nodes into the container
# (as Apptainer's do), --device binds CDI devices. The driver is make-fake-gpu-driver's, on the
# user's LD_LIBRARY_PATH and PATH as a driver the user installed would be; the device nodes are
# fakes tests/integration/run makes as root for the run (HPC_TEST_FAKE_GPU_NODES=1: a user namespace
# cannot mknod): /dev/nvidia0 and 1 (195:0, 195:1), nvidiactl (195:255), nvidia-modeset (195:254),
# nvidia-uvm and -uvm-tools (510:0, 510:1), nvidia-caps/nvidia-cap1 and -cap2 (511:1, 511:2).
# This VM has no /proc/driver/nvidia, so a GPU's index is its node's number and UUIDs are unknown.
load common

# The libraries make-fake-gpu-driver's lib/ has that --nv takes, as `ls` lists them. (--nv takes
# the host's GL and OpenCL dispatch libraries too, libGL.so.1, libOpenCL.so.1..., as Apptainer's
# list does: the tests look at the lib(cuda|nvidia)* names, which the host has none of.)
FAKE_NV_LIBRARIES="libcuda.so
libcuda.so.1
libcuda.so.580.1.2
libnvidia-ml.so
libnvidia-ml.so.1
libnvidia-ml.so.580.1.2
libnvidia-ptxjitcompiler.so.1"
FAKE_SMI_LINE="GPU 0: Fake GPU (UUID: GPU-00000000-0000-0000-0000-000000000000)"

setup_file() {
    export FAKE_DRIVER=$BATS_FILE_TMPDIR/driver GPU_DIR=$BATS_FILE_TMPDIR/gpu-dir GPU_SIF=$BATS_FILE_TMPDIR/gpu.sif
    command -v cc >/dev/null || return 0
    "$BATS_TEST_DIRNAME/make-fake-gpu-driver" "$FAKE_DRIVER"
    FAKE_DRIVER=$(realpath "$FAKE_DRIVER")
    # The image: app-dir's busybox and metadata, with cuda-check in /usr/bin and the host's
    # libraries it needs (ldd's) at their host paths; a directory and a SIF of it.
    cp -a "$APP_DIR" "$GPU_DIR"
    chmod -R u+w "$GPU_DIR"
    cp "$FAKE_DRIVER/cuda-check" "$GPU_DIR/usr/bin/"
    local lib
    for lib in $(ldd "$FAKE_DRIVER/cuda-check" | grep -o '/[^ ]*'); do
        mkdir -p "$GPU_DIR$(dirname "$lib")"
        cp -L "$lib" "$GPU_DIR$lib"
    done
    mksquashfs "$GPU_DIR" "$BATS_FILE_TMPDIR/gpu.sqfs" -noappend -quiet -all-root >/dev/null
    siftool new "$GPU_SIF" >/dev/null
    siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 --groupid 1 "$GPU_SIF" "$BATS_FILE_TMPDIR/gpu.sqfs" >/dev/null
}

setup() {
    [ -f "$GPU_SIF" ] || skip "no C compiler (cc) to make the fake driver and the test image"
    dir=$(scratch_dir)
}

# with_driver COMMAND...: COMMAND with the fake NVIDIA driver first on LD_LIBRARY_PATH and PATH.
with_driver() {
    env -u NVIDIA_VISIBLE_DEVICES -u CUDA_VISIBLE_DEVICES LD_LIBRARY_PATH="$FAKE_DRIVER/lib" \
        PATH="$FAKE_DRIVER/bin:$PATH" "$@"
}

# The NVIDIA driver libraries this host's ld.so.cache lists (libcuda.so*, libnvidia-*: those --nv
# would add to the fake's; CUDA's toolkit, libcudart and the like, is not the driver).
host_nvidia_libraries() {
    /sbin/ldconfig -p 2>/dev/null | awk '$1 ~ /^(libcuda\.so|libnvidia-)/ { print $1 }'
}

# The exact list of /.singularity.d/libs/lib(cuda|nvidia)* is the fake driver's only where the
# host has none.
needs_no_host_nvidia_libraries() {
    [ -z "$(host_nvidia_libraries)" ] || skip "this host's ld.so.cache has NVIDIA driver libraries: --nv adds them"
}

needs_fake_nodes() {
    [ "${HPC_TEST_FAKE_GPU_NODES:-}" = 1 ] ||
        skip "no fake NVIDIA device nodes (tests/integration/run makes them as root, on a host without /dev/nvidiactl)"
}

# The mount options (mountinfo's sixth field) of the mount at PATH, from inside the container.
mount_options_script='awk -v p="$1" '\''$5 == p { o = $6 } END { print o }'\'' /proc/self/mountinfo'

# The /dev/nvidia* names in the container, sorted, one line: "nvidia-caps nvidiactl ...".
list_nvidia_nodes='ls /dev | grep "^nvidia" | LC_ALL=C sort | tr "\n" " "'

@test "--nv binds the driver's libraries from LD_LIBRARY_PATH at /.singularity.d/libs, and only those" {
    needs_no_host_nvidia_libraries
    for image in "$GPU_SIF" "$GPU_DIR" "$PLAIN_SIF"; do
        run --separate-stderr with_driver "$HPC" exec --nv "$image" sh -c 'ls /.singularity.d/libs | grep -E "^lib(cuda|nvidia)"'
        [ "$status" -eq 0 ]
        [ "$output" = "$FAKE_NV_LIBRARIES" ]
    done
    # Each is the file its name resolves to, not a link: libcuda.so.1 is libcuda.so.580.1.2's bytes.
    run --separate-stderr with_driver "$HPC" exec --nv "$GPU_SIF" sh -c '
        for name in libcuda.so libcuda.so.1 libcuda.so.580.1.2; do
            [ -f "/.singularity.d/libs/$name" ] && [ ! -L "/.singularity.d/libs/$name" ] &&
                cmp "/.singularity.d/libs/$name" "$1/lib/libcuda.so.580.1.2" && echo "$name same"
        done
        cmp /.singularity.d/libs/libnvidia-ml.so.1 "$1/lib/libnvidia-ml.so.580.1.2" && echo "libnvidia-ml.so.1 same"' \
        sh "$FAKE_DRIVER"
    [ "$status" -eq 0 ]
    [ "$output" = $'libcuda.so same\nlibcuda.so.1 same\nlibcuda.so.580.1.2 same\nlibnvidia-ml.so.1 same' ]
}

@test "--nv: the driver's libraries are read-only, even over a writable root" {
    run --separate-stderr with_driver "$HPC" exec --nv --writable-tmpfs "$GPU_SIF" sh -c '
        touch /opt/writable && echo "root writable"
        touch /.singularity.d/libs/libcuda.so.1 2>/dev/null || echo "touch refused"
        echo x 2>/dev/null >>/.singularity.d/libs/libcuda.so.580.1.2 || echo "append refused"
        '"$mount_options_script" sh /.singularity.d/libs/libcuda.so.1
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "root writable" ]
    [ "${lines[1]}" = "touch refused" ]
    [ "${lines[2]}" = "append refused" ]
    [[ "${lines[3]}" == ro,* || "${lines[3]}" == ro ]]
    [ "${#lines[@]}" -eq 4 ]
}

@test "--nv: a program finds libcuda.so.1 by name in /.singularity.d/libs, first on LD_LIBRARY_PATH" {
    # --contain: the host's /tmp, where the fake driver is, is not in the container.
    for contain in "" --contain; do
        run --separate-stderr with_driver "$HPC" exec --nv $contain "$GPU_SIF" cuda-check
        [ "$status" -eq 0 ]
        [ "$output" = $'cuInit: 0\nfake-cuda 580.1.2\n/.singularity.d/libs/libcuda.so.1' ]
    done
    # (An image without Apptainer's env scripts: app-dir's 99-base.sh would add it by itself.)
    run --separate-stderr with_driver "$HPC" exec --nv "$PLAIN_SIF" sh -c 'echo "$LD_LIBRARY_PATH"'
    [ "$status" -eq 0 ]
    [[ "$output" == /.singularity.d/libs || "$output" == /.singularity.d/libs:* ]]
}

@test "--nv: of two directories on LD_LIBRARY_PATH that have libcuda.so.1, the first one's is bound" {
    LD_LIBRARY_PATH_FIRST=$FAKE_DRIVER/first:$FAKE_DRIVER/lib
    run --separate-stderr with_driver env LD_LIBRARY_PATH="$LD_LIBRARY_PATH_FIRST" \
        "$HPC" exec --nv --contain "$GPU_SIF" cuda-check
    [ "$status" -eq 0 ]
    [ "$output" = $'cuInit: 0\nfake-cuda first\n/.singularity.d/libs/libcuda.so.1' ]
    # The names only lib/ has still come from there.
    run with_driver env LD_LIBRARY_PATH="$LD_LIBRARY_PATH_FIRST" "$HPC" exec --nv --dry-run "$GPU_SIF" true
    [ "$status" -eq 0 ]
    [ "$(grep -c -F -- " -> /.singularity.d/libs/libcuda.so.1 ro  # nv: " <<<"$output")" -eq 1 ]
    grep -q -F -- "  bind $FAKE_DRIVER/first/libcuda.so.1 -> /.singularity.d/libs/libcuda.so.1 ro  # nv: " <<<"$output"
    grep -q -F -- "  bind $FAKE_DRIVER/lib/libcuda.so.580.1.2 -> /.singularity.d/libs/libcuda.so.580.1.2 ro  # nv: " <<<"$output"
}

@test "--nv: another machine's object with a listed name is not bound, and the container runs" {
    needs_no_host_nvidia_libraries
    run --separate-stderr with_driver env LD_LIBRARY_PATH="$FAKE_DRIVER/foreign:$FAKE_DRIVER/lib" \
        "$HPC" exec --nv "$GPU_SIF" sh -c 'ls /.singularity.d/libs | grep -E "^lib(cuda|nvidia)"'
    [ "$status" -eq 0 ]
    [ "$output" = "$FAKE_NV_LIBRARIES" ]
}

@test "--nv binds the driver's programs from PATH read-only at /usr/bin" {
    run --separate-stderr with_driver "$HPC" exec --nv --contain "$GPU_SIF" sh -c \
        'command -v nvidia-smi; nvidia-smi -L; '"$mount_options_script" sh /usr/bin/nvidia-smi
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = /usr/bin/nvidia-smi ]
    [ "${lines[1]}" = "$FAKE_SMI_LINE" ]
    [[ "${lines[2]}" == ro,* || "${lines[2]}" == ro ]]
    [ "${#lines[@]}" -eq 3 ]
}

@test "--nv binds every /dev/nvidiaN and the control nodes, with the host's numbers, read-write" {
    needs_fake_nodes
    nodes="/dev/nvidia0 /dev/nvidia1 /dev/nvidiactl /dev/nvidia-modeset /dev/nvidia-uvm /dev/nvidia-uvm-tools /dev/nvidia-caps/nvidia-cap1 /dev/nvidia-caps/nvidia-cap2"
    # The numbers as the host has them (the fakes'), and as the container shows them.
    host=$(for node in $nodes; do echo "$node $(stat -c '%F %t:%T' "$node")"; done)
    [ "$host" = "/dev/nvidia0 character special file c3:0
/dev/nvidia1 character special file c3:1
/dev/nvidiactl character special file c3:ff
/dev/nvidia-modeset character special file c3:fe
/dev/nvidia-uvm character special file 1fe:0
/dev/nvidia-uvm-tools character special file 1fe:1
/dev/nvidia-caps/nvidia-cap1 character special file 1ff:1
/dev/nvidia-caps/nvidia-cap2 character special file 1ff:2" ]
    run --separate-stderr with_driver "$HPC" exec --nv "$GPU_SIF" sh -c \
        'for node in '"$nodes"'; do echo "$node $(stat -c "%F %t:%T" "$node")"; done'
    [ "$status" -eq 0 ]
    [ "$output" = "$host" ]
    run --separate-stderr with_driver "$HPC" exec --nv "$GPU_SIF" sh -c "$mount_options_script" sh /dev/nvidia0
    [[ "$output" == rw,* || "$output" == rw ]]
    # Without --contain, every GPU, whatever NVIDIA_VISIBLE_DEVICES says (as Apptainer, whose /dev
    # is then the host's).
    run --separate-stderr with_driver env NVIDIA_VISIBLE_DEVICES=1 "$HPC" exec --nv "$GPU_SIF" sh -c "$list_nvidia_nodes"
    [ "$output" = "nvidia-caps nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia0 nvidia1 nvidiactl " ]
}

@test "--nv --contain: NVIDIA_VISIBLE_DEVICES picks the GPUs by index; the control nodes always come" {
    needs_fake_nodes
    control="nvidia-caps nvidia-modeset nvidia-uvm nvidia-uvm-tools"
    for contain in --contain --containall; do
        run --separate-stderr with_driver env NVIDIA_VISIBLE_DEVICES=1 "$HPC" exec --nv $contain "$GPU_SIF" sh -c "$list_nvidia_nodes"
        [ "$status" -eq 0 ]
        [ "$output" = "$control nvidia1 nvidiactl " ]
    done
    run --separate-stderr with_driver env NVIDIA_VISIBLE_DEVICES=0 "$HPC" exec --nv --contain "$GPU_SIF" sh -c "$list_nvidia_nodes"
    [ "$output" = "$control nvidia0 nvidiactl " ]
    run --separate-stderr with_driver env NVIDIA_VISIBLE_DEVICES=0,1 "$HPC" exec --nv --contain "$GPU_SIF" sh -c "$list_nvidia_nodes"
    [ "$output" = "$control nvidia0 nvidia1 nvidiactl " ]
    # Unset or "all": every GPU.
    for visible in unset all; do
        variable=(NVIDIA_VISIBLE_DEVICES=all)
        [ $visible = all ] || variable=()
        run --separate-stderr with_driver env "${variable[@]}" "$HPC" exec --nv --contain "$GPU_SIF" sh -c "$list_nvidia_nodes"
        [ "$status" -eq 0 ]
        [ "$output" = "$control nvidia0 nvidia1 nvidiactl " ]
    done
    # NVIDIA_VISIBLE_DEVICES before CUDA_VISIBLE_DEVICES.
    run --separate-stderr with_driver env NVIDIA_VISIBLE_DEVICES=0 CUDA_VISIBLE_DEVICES=1 "$HPC" exec --nv --contain "$GPU_SIF" sh -c "$list_nvidia_nodes"
    [ "$output" = "$control nvidia0 nvidiactl " ]
}

@test "--nv --contain: NVIDIA_VISIBLE_DEVICES none, void or empty: no GPU, the control nodes still" {
    needs_fake_nodes
    for visible in none void ""; do
        run --separate-stderr with_driver env NVIDIA_VISIBLE_DEVICES="$visible" "$HPC" exec --nv --contain "$GPU_SIF" sh -c "$list_nvidia_nodes"
        [ "$status" -eq 0 ]
        [ "$output" = "nvidia-caps nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidiactl " ]
    done
}

@test "--nv --contain: CUDA_VISIBLE_DEVICES picks the GPUs and is renumbered from 0 inside" {
    needs_fake_nodes
    run --separate-stderr with_driver env CUDA_VISIBLE_DEVICES=1 "$HPC" exec --nv --contain "$GPU_SIF" sh -c \
        "$list_nvidia_nodes"'; echo; echo "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "nvidia-caps nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl " ]
    [ "${lines[1]}" = "CUDA_VISIBLE_DEVICES=0" ]
}

@test "without --nv: nothing of the driver's, whatever LD_LIBRARY_PATH and PATH say" {
    run --separate-stderr with_driver "$HPC" exec --contain "$GPU_SIF" sh -c '
        ls /.singularity.d/libs; [ -e /dev/nvidia0 ] || echo "no nvidia0"; [ -e /dev/nvidiactl ] || echo "no nvidiactl"
        command -v nvidia-smi || echo "no nvidia-smi"; cuda-check'
    [ "$status" -eq 1 ]  # cuda-check's: no libcuda.so.1
    [ "$output" = $'no nvidia0\nno nvidiactl\nno nvidia-smi' ]
    [[ "$stderr" == *"cuda-check: libcuda.so.1: cannot open shared object file"* ]]
    run with_driver "$HPC" exec --dry-run "$GPU_SIF" true
    [ "$status" -eq 0 ]
    [[ "$output" != *"# nv: "* ]]
    [[ "$output" != *"/.singularity.d/libs/"* ]]
}

@test "--dry-run shows the library, program and device binds of --nv" {
    run with_driver "$HPC" exec --nv --dry-run "$GPU_SIF" true
    [ "$status" -eq 0 ]
    lib=$FAKE_DRIVER/lib
    for line in "  bind $lib/libcuda.so.580.1.2 -> /.singularity.d/libs/libcuda.so.1 ro  # nv: " \
                "  bind $lib/libcuda.so.580.1.2 -> /.singularity.d/libs/libcuda.so ro  # nv: " \
                "  bind $lib/libnvidia-ml.so.580.1.2 -> /.singularity.d/libs/libnvidia-ml.so.1 ro  # nv: " \
                "  bind $lib/libnvidia-ptxjitcompiler.so.1 -> /.singularity.d/libs/libnvidia-ptxjitcompiler.so.1 ro  # nv: " \
                "  bind $FAKE_DRIVER/bin/nvidia-smi -> /usr/bin/nvidia-smi ro  # nv: "; do
        [ "$(grep -c -F -- "$line" <<<"$output")" -eq 1 ] || { echo "missing: $line"; false; }
    done
    [[ "$output" != *libcuda-not-listed* ]]
    [[ "$output" != *libnvidia-opencl* ]]
    [ "$(grep -c -F -- "  bind $FAKE_DRIVER/" <<<"$output")" -eq 8 ]  # 7 libraries, nvidia-smi
    if [ "${HPC_TEST_FAKE_GPU_NODES:-}" = 1 ]; then
        for node in /dev/nvidia0 /dev/nvidia1 /dev/nvidiactl /dev/nvidia-uvm /dev/nvidia-caps; do
            [ "$(grep -c -F -- "  bind $node -> $node  # nv: " <<<"$output")" -eq 1 ] || { echo "missing: $node"; false; }
        done
    fi
    # The environment: an image without Apptainer's action scripts gets it straight from the plan.
    run with_driver "$HPC" exec --nv --dry-run "$PLAIN_SIF" true
    [ "$status" -eq 0 ]
    grep -q '^  LD_LIBRARY_PATH=/.singularity.d/libs\(:.*\)\?$' <<<"$output"
}

@test "run, shell and test take --nv as exec does" {
    for action in run shell test; do
        run with_driver "$HPC" "$action" --nv --dry-run "$GPU_SIF"
        [ "$status" -eq 0 ]
        [ "$(grep -c -F -- "  bind $FAKE_DRIVER/lib/libcuda.so.580.1.2 -> /.singularity.d/libs/libcuda.so.1 ro  # nv: " <<<"$output")" -eq 1 ]
    done
    run --separate-stderr with_driver "$HPC" test --nv "$GPU_SIF"
    [ "$status" -eq 0 ]
    [ "$output" = "test script ran" ]
}

# `hpc exec OPTION` of the GPU image runs its command, with one line on stderr holding WARNING.
runs_with_one_warning() {  # runs_with_one_warning OPTION WARNING
    run --separate-stderr env -u LD_LIBRARY_PATH "$HPC" exec "$1" "$GPU_SIF" echo ran
    [ "$status" -eq 0 ]
    [ "$output" = ran ]
    [ "$(wc -l <<<"$stderr")" -eq 1 ]
    [[ "$stderr" == *"$2"* ]]
}

@test "--nv without a driver warns in one line and runs" {
    [ "${HPC_TEST_FAKE_GPU_NODES:-}" != 1 ] || skip "this run's fake NVIDIA device nodes are a (partial) driver"
    [ ! -e /dev/nvidiactl ] && [ -z "$(host_nvidia_libraries)" ] && ! command -v nvidia-smi >/dev/null ||
        skip "this host has an NVIDIA driver (or part of one)"
    runs_with_one_warning --nv "--nv: no NVIDIA driver found"
}

@test "--rocm without a driver warns in one line and runs" {
    [ ! -e /dev/kfd ] && ! ls /dev/dri/renderD* >/dev/null 2>&1 && ! command -v rocm-smi >/dev/null &&
        ! command -v rocminfo >/dev/null && ! /sbin/ldconfig -p | grep -q -E 'libhsa-runtime64|libamdhip64|librocblas' ||
        skip "this host has an AMD driver (or part of one)"
    runs_with_one_warning --rocm "--rocm: no AMD driver found"
}

@test "--rocm binds the ROCm libraries and programs it finds" {
    ! command -v rocm-smi >/dev/null || skip "this host has its own rocm-smi"
    # (The host's own ROCm libraries, such as Mesa's libdrm_amdgpu.so.1, may come too.)
    run --separate-stderr env LD_LIBRARY_PATH="$FAKE_DRIVER/rocm/lib" PATH="$FAKE_DRIVER/rocm/bin:$PATH" \
        "$HPC" exec --rocm --contain "$GPU_SIF" sh -c 'ls /.singularity.d/libs | grep hsa; command -v rocm-smi; rocm-smi'
    [ "$status" -eq 0 ]
    [ "$output" = $'libhsa-runtime64.so\nlibhsa-runtime64.so.1\nlibhsa-runtime64.so.1.14.0\n/usr/bin/rocm-smi\nfake-rocm-smi' ]
    run env LD_LIBRARY_PATH="$FAKE_DRIVER/rocm/lib" PATH="$FAKE_DRIVER/rocm/bin:$PATH" "$HPC" exec --rocm --dry-run "$GPU_SIF" true
    grep -q -F -- "  bind $FAKE_DRIVER/rocm/lib/libhsa-runtime64.so.1.14.0 -> /.singularity.d/libs/libhsa-runtime64.so.1 ro  # rocm: " <<<"$output"
    grep -q -F -- "  bind $FAKE_DRIVER/rocm/bin/rocm-smi -> /usr/bin/rocm-smi ro  # rocm: " <<<"$output"
}

# make_cdi_specs: $cdi (YAML) and $cdi_json (the same spec in JSON), of kind hpc.test/gpu: device
# "0" is the host's /dev/null at /dev/hpc-test0 and sets HPC_CDI_DEVICE; device "1" is /dev/zero
# at /dev/hpc-test1; every device of the spec binds $dir/data read-only at /opt/hpc-cdi and sets
# HPC_CDI_SPEC.
make_cdi_specs() {
    cdi=$dir/cdi cdi_json=$dir/cdi-json
    mkdir -p "$cdi" "$cdi_json" "$dir/data"
    echo "cdi data" >"$dir/data/file"
    cat >"$cdi/hpc-test.yaml" <<EOF
cdiVersion: "0.6.0"
kind: hpc.test/gpu
devices:
  - name: "0"
    containerEdits:
      env:
        - HPC_CDI_DEVICE=zero
      deviceNodes:
        - path: /dev/hpc-test0
          hostPath: /dev/null
          type: c
          major: 1
          minor: 3
  - name: "1"
    containerEdits:
      deviceNodes:
        - path: /dev/hpc-test1
          hostPath: /dev/zero
containerEdits:
  env:
    - HPC_CDI_SPEC=all-devices
  mounts:
    - hostPath: $dir/data
      containerPath: /opt/hpc-cdi
      options: ["ro", "nosuid", "nodev", "bind"]
EOF
    cat >"$cdi_json/hpc-test.json" <<EOF
{
  "cdiVersion": "0.6.0",
  "kind": "hpc.test/gpu",
  "devices": [
    {"name": "0", "containerEdits": {
      "env": ["HPC_CDI_DEVICE=zero"],
      "deviceNodes": [{"path": "/dev/hpc-test0", "hostPath": "/dev/null", "type": "c", "major": 1, "minor": 3}]}},
    {"name": "1", "containerEdits": {
      "deviceNodes": [{"path": "/dev/hpc-test1", "hostPath": "/dev/zero"}]}}
  ],
  "containerEdits": {
    "env": ["HPC_CDI_SPEC=all-devices"],
    "mounts": [{"hostPath": "$dir/data", "containerPath": "/opt/hpc-cdi", "options": ["ro", "nosuid", "nodev", "bind"]}]
  }
}
EOF
}

# What a container sees of the CDI edits.
cdi_check_script='
    for node in /dev/hpc-test0 /dev/hpc-test1; do
        if [ -e $node ]; then echo "$node $(stat -c "%F %t:%T" $node)"; else echo "no $node"; fi
    done
    cat /opt/hpc-cdi/file
    touch /opt/hpc-cdi/new 2>/dev/null || echo "/opt/hpc-cdi read-only"
    echo "device ${HPC_CDI_DEVICE:-unset}, spec ${HPC_CDI_SPEC:-unset}"'

@test "--device: a CDI device's node, its spec's mount and environment, from YAML and JSON specs" {
    make_cdi_specs
    for specs in "$cdi" "$cdi_json"; do
        run --separate-stderr "$HPC" exec --device hpc.test/gpu=0 --cdi-dirs "$specs" "$GPU_SIF" sh -c "$cdi_check_script"
        [ "$status" -eq 0 ]
        [ "$output" = "/dev/hpc-test0 character special file 1:3
no /dev/hpc-test1
cdi data
/opt/hpc-cdi read-only
device zero, spec all-devices" ]
        run --separate-stderr "$HPC" exec --device hpc.test/gpu=1 --cdi-dirs "$specs" "$GPU_SIF" sh -c "$cdi_check_script"
        [ "$status" -eq 0 ]
        [ "$output" = "no /dev/hpc-test0
/dev/hpc-test1 character special file 1:5
cdi data
/opt/hpc-cdi read-only
device unset, spec all-devices" ]
    done
    [ ! -e "$dir/data/new" ]
    # The device's environment is not the host's: --cleanenv and --containall keep it.
    for clean in --cleanenv --containall; do
        run --separate-stderr "$HPC" exec $clean --device hpc.test/gpu=0 --cdi-dirs "$cdi" "$GPU_SIF" sh -c 'echo "$HPC_CDI_DEVICE $HPC_CDI_SPEC"'
        [ "$status" -eq 0 ]
        [ "$output" = "zero all-devices" ]
    done
    # --cdi-dirs takes a list; the directory without the spec is read and adds nothing.
    run --separate-stderr "$HPC" exec --device hpc.test/gpu=0 --cdi-dirs "$dir/data,$cdi" "$GPU_SIF" sh -c 'echo "$HPC_CDI_DEVICE"'
    [ "$status" -eq 0 ]
    [ "$output" = zero ]
}

@test "--device: nvidia-ctk's hooks: update-ldcache's folder first in LD_LIBRARY_PATH, create-symlinks' links made in the image's tree for the run" {
    mkdir -p "$dir/hooks" "$dir/libs"
    cat >"$dir/hooks/hooks.yaml" <<YAML
cdiVersion: 0.6.0
kind: hpc.test/hooks
devices:
  - name: all
    containerEdits:
      mounts:
        - {hostPath: $dir/libs, containerPath: /opt/hpc-libs, options: [ro, bind]}
      hooks:
        - {hookName: createContainer, path: /usr/bin/nvidia-cdi-hook, args: [nvidia-cdi-hook, update-ldcache, --folder, /opt/hpc-libs]}
        - {hookName: createContainer, path: /usr/bin/nvidia-cdi-hook, args: [nvidia-cdi-hook, create-symlinks, --link, "../opt/hpc-libs::/etc/hpc-cdi-link"]}
YAML
    run --separate-stderr "$HPC" exec --device hpc.test/hooks=all --cdi-dirs "$dir/hooks" "$PLAIN_SIF" \
        sh -c 'echo "$LD_LIBRARY_PATH"; readlink /etc/hpc-cdi-link; ls /etc | grep -c .'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = /opt/hpc-libs ]
    [ "${lines[1]}" = ../opt/hpc-libs ]
    # The link's directory is covered for the run, its other entries still there; the image keeps nothing.
    entries=$("$HPC" exec "$PLAIN_SIF" sh -c 'ls /etc | grep -c .')
    [ "${lines[2]}" -eq $((entries + 1)) ]
    run "$HPC" exec "$PLAIN_SIF" test -L /etc/hpc-cdi-link
    [ "$status" -eq 1 ]
}

@test "--device: --dry-run shows the CDI binds" {
    make_cdi_specs
    run "$HPC" exec --device hpc.test/gpu=0 --cdi-dirs "$cdi" --dry-run "$GPU_SIF" true
    [ "$status" -eq 0 ]
    [ "$(grep -c -F -- "  bind /dev/null -> /dev/hpc-test0  # cdi: " <<<"$output")" -eq 1 ]
    [ "$(grep -c -F -- "  bind $dir/data -> /opt/hpc-cdi ro  # cdi: " <<<"$output")" -eq 1 ]
    # The environment, in the plan of an image without Apptainer's action scripts.
    run "$HPC" exec --device hpc.test/gpu=0 --cdi-dirs "$cdi" --dry-run "$PLAIN_SIF" true
    [ "$status" -eq 0 ]
    grep -q -x -F "  HPC_CDI_DEVICE=zero" <<<"$output"
    grep -q -x -F "  HPC_CDI_SPEC=all-devices" <<<"$output"
}

@test "--device: a device no spec defines, and a malformed name, are refused" {
    make_cdi_specs
    run "$HPC" exec --device hpc.test/gpu=7 --cdi-dirs "$cdi" "$GPU_SIF" true
    [ "$status" -eq 66 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hpc: "*"hpc.test/gpu=7"* ]]
    run "$HPC" exec --device gpu7 --cdi-dirs "$cdi" "$GPU_SIF" true
    [ "$status" -eq 64 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hpc: "*"gpu7"* ]]
}

@test "--device: a spec asking for additionalGIDs is refused in one line naming the file and the field" {
    # CDI's SPEC.md spells it additionalGIDs, its Go code's JSON tag additionalGids (and Go's JSON
    # reader takes either): a spec may have either.
    mkdir "$dir/gids" "$dir/gids-json"
    cat >"$dir/gids/gids.yaml" <<'EOF'
cdiVersion: "0.7.0"
kind: hpc.test/gids
devices:
  - name: "0"
    containerEdits:
      additionalGIDs: [44]
      deviceNodes:
        - path: /dev/hpc-test0
          hostPath: /dev/null
EOF
    printf '%s\n' '{"cdiVersion": "0.7.0", "kind": "hpc.test/gids", "devices": [{"name": "0",' \
        '  "containerEdits": {"additionalGids": [44], "deviceNodes": [{"path": "/dev/hpc-test0", "hostPath": "/dev/null"}]}}]}' \
        >"$dir/gids-json/gids.json"
    for spec in gids/gids.yaml gids-json/gids.json; do
        run "$HPC" exec --device hpc.test/gids=0 --cdi-dirs "$dir/${spec%/*}" "$GPU_SIF" echo ran
        [ "$status" -eq 77 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "$output" == "hpc: "*"$dir/$spec"* ]]
        [[ "${output,,}" == *additionalgids* ]]
    done
}

@test "--device: a device node the host has not got as the spec says is refused" {
    mkdir "$dir/wrong"
    cat >"$dir/wrong/wrong.yaml" <<'EOF'
cdiVersion: "0.6.0"
kind: hpc.test/wrong
devices:
  - name: "0"
    containerEdits:
      deviceNodes:
        - path: /dev/hpc-test0
          hostPath: /dev/null
          type: c
          major: 1
          minor: 4
EOF
    run "$HPC" exec --device hpc.test/wrong=0 --cdi-dirs "$dir/wrong" "$GPU_SIF" echo ran
    [ "$status" -eq 69 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hpc: "*/dev/null* ]]
}

@test "build --nv: %post sees the driver, and the image keeps none of it" {
    cd "$dir"
    cat >gpu.def <<EOF
Bootstrap: localimage
From: $GPU_SIF

%post
    ls /.singularity.d/libs >/opt/libs.txt
    nvidia-smi -L >/opt/smi.txt
    cuda-check >/opt/cuda.txt 2>&1 || true
EOF
    run with_driver "$HPC" build --nv gpu-built.sif gpu.def
    [ "$status" -eq 0 ]
    run --separate-stderr "$HPC" exec gpu-built.sif cat /opt/smi.txt /opt/cuda.txt
    [ "$status" -eq 0 ]
    [ "$output" = "$FAKE_SMI_LINE"$'\ncuInit: 0\nfake-cuda 580.1.2\n/.singularity.d/libs/libcuda.so.1' ]
    if [ -z "$(host_nvidia_libraries)" ]; then
        run --separate-stderr "$HPC" exec gpu-built.sif sh -c 'grep -E "^lib(cuda|nvidia)" /opt/libs.txt'
        [ "$output" = "$FAKE_NV_LIBRARIES" ]
    fi
    # Nothing at all, not even an empty file where a library or nvidia-smi was bound: an empty
    # /.singularity.d/libs/libcuda.so.1 would be what the loader finds first in the image.
    run --separate-stderr "$HPC" exec gpu-built.sif sh -c \
        'for file in /.singularity.d/libs/* /usr/bin/nvidia-smi; do [ ! -e "$file" ] || echo "left: $file, $(stat -c %s "$file") bytes"; done'
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
}
