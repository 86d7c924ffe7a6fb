#!/usr/bin/env bats
# Faults in builds: a full disk at the destination and at the temporary directory (two small file
# systems tests/integration/run mounts, as root), a read error in the source, a %post killed as
# the OOM killer kills (SIGKILL). Each is one line saying what and why, and nothing partial is left.
load common

setup() {
    [ -n "${HPC_TEST_FULL_DEST:-}" ] || skip "no small file systems to fill (tests/integration/run mounts them as root)"
    work=$(scratch_dir)
    cd "$work"
}

teardown() {
    rm -rf "${HPC_TEST_FULL_DEST:?}"/* "${HPC_TEST_FULL_TMP:?}"/* 2>/dev/null || true
}

# What a build left in DIR (nothing, when it cleaned up).
left_in() { find "$1" -mindepth 1 | head -5; }

# A definition file at PATH whose %post is SCRIPT, on the plain image.
definition() {  # definition PATH SCRIPT
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    %s\n' "$PLAIN_SIF" "$2" >"$1"
}

@test "a full disk at the destination: one line naming the file system's answer, exit 73, nothing left there" {
    cp -a "$APP_DIR" large
    head -c 4194304 /dev/urandom >large/random  # 4 MiB that do not compress, on 2 MiB
    run --separate-stderr -73 "$HPC" build "$HPC_TEST_FULL_DEST/app.sif" large
    [[ "${stderr_lines[-1]}" == "hpc: "*"No space left on device" ]]
    [ "$(grep -c '^hpc: .*No space left on device' <<<"$stderr")" -eq 1 ]
    [ -z "$(left_in "$HPC_TEST_FULL_DEST")" ]
}

@test "a full temporary directory under %post: the step's words, one line of hpc's, nothing left anywhere" {
    definition full.def 'busybox dd if=/dev/zero of=/big bs=1024 count=4096'
    run --separate-stderr -65 env TMPDIR="$HPC_TEST_FULL_TMP" "$HPC" build app.sif full.def
    [[ "$stderr" == *"No space left on device"* ]]
    [ "${stderr_lines[-1]}" = "hpc: %post failed (exit status 1)" ]
    [ ! -e app.sif ]
    [ -z "$(left_in "$HPC_TEST_FULL_TMP")" ]
}

@test "a read error in the source image: one line naming the image and the cause, nothing left at the destination" {
    make_sif_with_garbled_block "$work" data.txt
    run --separate-stderr "$HPC" build copy.sif image.sif
    [ "$status" -ne 0 ]
    [ "$status" -lt 128 ]
    [[ "$stderr" == *"Input/output error"* ]]
    [[ "$stderr" == *"hpc: warning: image.sif: "*" failed ("*"corrupt data block"* ]]
    [ ! -e copy.sif ]
    [ -z "$(find "$work" -maxdepth 1 -name '*copy.sif*')" ]
}

@test "a %post killed as the OOM killer kills (SIGKILL): one line that says so, nothing left" {
    definition killed.def 'kill -9 $$'
    run --separate-stderr -65 env TMPDIR="$HPC_TEST_FULL_TMP" "$HPC" build app.sif killed.def
    [ "${stderr_lines[-1]}" = "hpc: %post was killed (SIGKILL: out of memory, the kernel's OOM killer, or a kill -9)" ]
    [ ! -e app.sif ]
    [ -z "$(left_in "$HPC_TEST_FULL_TMP")" ]
}
