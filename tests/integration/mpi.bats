#!/usr/bin/env bats
# MPI launches: the launcher's session directories passed through, and the bind model
# (--mpi host): its refusals on images that cannot use the host's MPI, and, with an image that
# has Open MPI (debian-mpi.def, built here with --fakeroot, or $HPC_TEST_MPI_IMAGE), a hello
# world compiled on the host that runs with the host's libmpi under mpirun.
load common

# The host's libmpi.so.40, canonical, as the loader finds it; empty when there is none.
host_open_mpi() {
    local path
    path=$(/sbin/ldconfig -p 2>/dev/null | awk '$1 == "libmpi.so.40" && /x86-64|AArch64|64bit/ { print $NF; exit }')
    [ -z "$path" ] || realpath "$path"
}

# A directory image: busybox and Apptainer's metadata (app-dir), plus what the test adds.
fake_image() {
    local image=$dir/image
    cp -a "$APP_DIR" "$image"
    chmod -R u+w "$image"
    mkdir -p "$image/usr/lib"
    echo "$image"
}

# cc SONAME SOURCE [LINKER OPTIONS...]: a shared library for the fake images, in $dir.
shared_library() {
    local soname=$1 source=$2
    shift 2
    printf '%s\n' "$source" >"$dir/$soname.c"
    cc -shared -fPIC -Wl,-soname,"$soname" "$@" -o "$dir/$soname" "$dir/$soname.c"
}

setup_file() {
    export MPI_SIF= MPI_HELLO= MPI_BUILD_FAILED=
    command -v mpicc >/dev/null && command -v mpirun >/dev/null || return 0
    local work=$BATS_FILE_TMPDIR
    # Each rank prints the file its libmpi was loaded from, and that file's device and inode
    # as the container shows it.
    cat >"$work/hello.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
    int rank, size;
    Dl_info info;
    struct stat status;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (!dladdr((void *)MPI_Init, &info) || stat(info.dli_fname, &status) != 0) return 1;
    printf("rank %d of %d: %s %lu:%lu\n", rank, size, info.dli_fname, (unsigned long)status.st_dev,
           (unsigned long)status.st_ino);
    MPI_Finalize();
    return 0;
}
C
    mpicc -o "$work/hello" "$work/hello.c" -ldl && MPI_HELLO=$work/hello
    if [ -n "${HPC_TEST_MPI_IMAGE:-}" ] && [ -f "$HPC_TEST_MPI_IMAGE" ]; then
        MPI_SIF=$HPC_TEST_MPI_IMAGE
    elif [ -f "$BATS_TEST_DIRNAME/debian-mpi.def" ] && grep -q "^$(id -un):" /etc/subuid; then
        "$HPC" build --fakeroot --build-arg "mirror=$("$BATS_TEST_DIRNAME/debian-mirror")" "$work/mpi.sif" \
            "$BATS_TEST_DIRNAME/debian-mpi.def" >"$work/build.log" 2>&1 && MPI_SIF=$work/mpi.sif ||
            MPI_BUILD_FAILED=$work/build.log
    fi
}

setup() {
    dir=$(scratch_dir)
}

needs_open_mpi_image() {
    [ -n "$MPI_HELLO" ] || skip "no mpicc and mpirun (openmpi-bin, libopenmpi-dev) on this host"
    [ -n "$(host_open_mpi)" ] || skip "no Open MPI (libmpi.so.40) on this host"
    # An image that could be built and was not is a failure, not a reason to skip.
    [ -z "$MPI_BUILD_FAILED" ] || { tail -n 20 "$MPI_BUILD_FAILED"; false; }
    [ -n "$MPI_SIF" ] || skip "no Open MPI image: debian-mpi.def with a subordinate uid range, or \$HPC_TEST_MPI_IMAGE"
}

@test "a session directory the launcher names is bound where the container would not show it" {
    mkdir -p "$dir/pmix.1.0/pmix_dstor_ds21_7"
    echo dstore >"$dir/pmix.1.0/pmix_dstor_ds21_7/segment"
    export PMIX_SERVER_TMPDIR=$dir/pmix.1.0/ PMIX_DSTORE_21_BASE_PATH=$dir/pmix.1.0//pmix_dstor_ds21_7
    # Under /tmp, the host's /tmp shows it already; --contain's /tmp does not.
    run "$HPC" exec --dry-run "$PLAIN_SIF" true
    [ "$status" -eq 0 ]
    [[ "$output" != *"# mpi: "* ]]
    run "$HPC" exec --contain --dry-run "$PLAIN_SIF" true
    [ "$(echo "$output" | grep -c '# mpi: ')" -eq 1 ]
    [[ "$output" == *"  bind $dir/pmix.1.0 -> $dir/pmix.1.0  # mpi: PMIX_SERVER_TMPDIR"$'\n'* ]]
    run "$HPC" exec --contain "$PLAIN_SIF" cat "$dir/pmix.1.0/pmix_dstor_ds21_7/segment"
    [ "$status" -eq 0 ]
    [ "$output" = dstore ]
    # One that does not exist is skipped.
    unset PMIX_DSTORE_21_BASE_PATH
    PMIX_SERVER_TMPDIR=$dir/gone run "$HPC" exec --contain --dry-run "$PLAIN_SIF" true
    [ "$status" -eq 0 ]
    [[ "$output" == *"PMIX_SERVER_TMPDIR=$dir/gone"* ]]  # passed on, as any variable
    [[ "$output" != *"# mpi: "* ]]
}

@test "--mpi: an unknown value is a usage error" {
    run "$HPC" exec --mpi hots "$PLAIN_SIF" true
    [ "$status" -eq 64 ]
    [ "$output" = "hpc: --mpi hots: not an MPI hpc knows (image or host)" ]
}

@test "--mpi host: an image without an MPI is refused, naming where it was looked for" {
    run "$HPC" exec --mpi host "$PLAIN_SIF" true
    [ "$status" -eq 65 ]
    [ "$output" = "hpc: --mpi host: $(realpath "$PLAIN_SIF") has no MPI library (no libmpi.so.N or libmpich.so.N in its /etc/ld.so.cache, /lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu), /usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu), /lib64, /usr/lib64, /lib, /usr/lib)" ]
}

@test "--mpi host: an image with the MPICH ABI cannot use the host's Open MPI" {
    command -v cc >/dev/null || skip "no C compiler to make the fake libmpich"
    host=$(host_open_mpi)
    [ -n "$host" ] || skip "no Open MPI (libmpi.so.40) on this host"
    image=$(fake_image)
    shared_library libmpich.so.12 'int MPI_Init(int *argc, char ***argv) { return 0; }'
    cp "$dir/libmpich.so.12" "$image/usr/lib/"
    run "$HPC" exec --mpi host "$image" true
    [ "$status" -eq 65 ]
    [ "$output" = "hpc: --mpi host: the image's /usr/lib/libmpich.so.12 (MPICH ABI, libmpich.so.12) cannot use the host's $host (Open MPI, libmpi.so.40): different MPI ABIs" ]
    # Its own MPI it may use.
    run "$HPC" exec --mpi image "$image" true
    [ "$status" -eq 0 ]
}

@test "--mpi host: an image whose glibc is older than the host's Open MPI needs is refused" {
    command -v cc >/dev/null || skip "no C compiler to make the fake libraries"
    host=$(host_open_mpi)
    [ -n "$host" ] || skip "no Open MPI (libmpi.so.40) on this host"
    image=$(fake_image)
    shared_library libmpi.so.40 'int ompi_mpi_comm_world; int MPI_Init(int *argc, char ***argv) { return 0; }'
    # A glibc that defines its first version alone.
    printf 'GLIBC_2.2.5 { global: *; };\n' >"$dir/glibc.map"
    shared_library libc.so.6 'int old_glibc;' -nostdlib -Wl,--version-script="$dir/glibc.map"
    shared_library libm.so.6 'int old_libm;' -nostdlib -Wl,--version-script="$dir/glibc.map"
    cp "$dir/libmpi.so.40" "$dir/libc.so.6" "$dir/libm.so.6" "$image/usr/lib/"
    run "$HPC" exec --mpi host "$image" true
    [ "$status" -eq 65 ]
    [[ "$output" == "hpc: --mpi host: the image's /usr/lib/libmpi.so.40 (Open MPI, libmpi.so.40) cannot use the host's $host (Open MPI, libmpi.so.40): the host's /"*" needs GLIBC_2."*" of lib"[cm]".so.6, which the image's glibc lacks (its newest is GLIBC_2.2.5)" ]]
    # Without its libm, the image is told what it lacks.
    rm "$image/usr/lib/libm.so.6"
    run "$HPC" exec --mpi host "$image" true
    [ "$status" -eq 65 ]
    [[ "$output" == *": the host's /"*" needs libm.so.6, which the image lacks" ]]
}

@test "--mpi host: mpirun's ranks load the host's libmpi, the very file, in an image with Open MPI" {
    needs_open_mpi_image
    cd "$(dirname "$MPI_HELLO")"
    host=$(stat -L -c %d:%i "$(host_open_mpi)")
    run mpirun -n 2 "$HPC" exec --mpi host "$MPI_SIF" ./hello
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    for rank in 0 1; do
        [[ "$output" == *"rank $rank of 2: /.hpc.d/mpi/lib/libmpi.so.40 $host"* ]]
    done
    # The image's own: another file, served from the image.
    run mpirun -n 2 "$HPC" exec "$MPI_SIF" ./hello
    [ "$status" -eq 0 ]
    [[ "$output" == *"rank 1 of 2: "* ]]
    [[ "$output" != *" $host"* ]]
}

@test "--contain: mpirun's session directory is passed through, so the ranks still find their server" {
    needs_open_mpi_image
    cd "$(dirname "$MPI_HELLO")"
    # Without it, PMIx cannot map its server's data store, says "PMIX ERROR ... gds_ds12_lock"
    # for each rank, and falls back to asking the server for everything. (TCP between the ranks:
    # --contain gives each its own /dev/shm, where Open MPI's shared memory transport meets.)
    run mpirun --mca btl self,tcp -n 2 "$HPC" exec --contain -B "$PWD" --pwd "$PWD" "$MPI_SIF" ./hello
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [[ "$output" == *"rank 0 of 2: "* ]]
    [[ "$output" == *"rank 1 of 2: "* ]]
    run mpirun -n 1 "$HPC" exec --contain --dry-run "$MPI_SIF" true
    [[ "$output" == *"# mpi: OMPI_MCA_orte_top_session_dir"* ]]
}
