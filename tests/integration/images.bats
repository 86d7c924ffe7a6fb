#!/usr/bin/env bats
# Every kind of image runs; every broken one is refused with one line and exit 65 or 66.
load common

@test "a SIF made by siftool around mksquashfs output runs" {
    run "$HPC" exec "$APP_SIF" echo hello from sif
    [ "$status" -eq 0 ]
    [ "$output" = "hello from sif" ]
}

@test "a bare squashfs file runs" {
    run "$HPC" exec "$APP_SQFS" echo hello from squashfs
    [ "$status" -eq 0 ]
    [ "$output" = "hello from squashfs" ]
}

@test "a directory (sandbox) image runs, and is not written" {
    before=$(find "$APP_DIR" | sort | md5sum)
    run "$HPC" exec "$APP_DIR" echo hello from a directory
    [ "$status" -eq 0 ]
    [ "$output" = "hello from a directory" ]
    [ "$(find "$APP_DIR" | sort | md5sum)" = "$before" ]
}

@test "a SIF's partition is served in place, not copied" {
    # The container's root is a FUSE mount of the SIF itself: nothing the size of the image
    # appears anywhere while it runs.
    run "$HPC" exec "$APP_SIF" sh -c 'grep " / " /proc/self/mounts | cut -d" " -f3'
    [ "$status" -eq 0 ]
    [ "$output" = "fuse.hpc" ] || [ "$output" = "fuse" ]
}

@test "a missing image: exit 66 and the cause" {
    run -66 "$HPC" exec /nonexistent.sif true
    [ "$output" = "hpc: /nonexistent.sif: open: No such file or directory" ]
}

@test "a truncated SIF: exit 65 and the cause" {
    run -65 "$HPC" exec "$IMAGES/bad-truncated.sif" true
    [ "$output" = "hpc: $IMAGES/bad-truncated.sif: descriptor count 48 cannot fit in a file of 1000 bytes" ]
}

@test "a SIF with no partition: exit 65 and which" {
    run -65 "$HPC" exec "$IMAGES/bad-empty.sif" true
    [ "$output" = "hpc: $IMAGES/bad-empty.sif: no partition: the SIF holds no file system to run" ]
}

@test "an ext3 partition is refused, saying so" {
    run -65 "$HPC" exec "$IMAGES/bad-ext3.sif" true
    [ "$output" = "hpc: $IMAGES/bad-ext3.sif: the primary partition is ext3, which hpc does not run (squashfs only)" ]
}

@test "a partition for another architecture is refused, naming both" {
    run -65 "$HPC" exec "$IMAGES/bad-arch.sif" true
    [ "$output" = "hpc: $IMAGES/bad-arch.sif: the primary partition is for arm64, this machine is amd64" ]
}

@test "a file that is no image: exit 65" {
    run -65 "$HPC" exec "$IMAGES/bad-text.img" true
    [ "$output" = "hpc: $IMAGES/bad-text.img: not a container image (neither SIF, squashfs nor a directory)" ]
}

@test "the reference SIF fixtures give clean errors, never a crash" {
    fixtures=("$BATS_TEST_DIRNAME"/fixtures/*.sif)
    [ "${#fixtures[@]}" -eq 15 ]
    for fixture in "${fixtures[@]}"; do
        run "$HPC" exec "$fixture" true
        [ "$status" -eq 65 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "$output" == "hpc: $fixture: "* ]]
    done
}
