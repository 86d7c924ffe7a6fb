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

# Makes the first block of a table of the squashfs at byte BASE of IMAGE, the table whose index
# the superblock field at byte FIELD points at, 2 compressed bytes that no decompressor accepts;
# prints where the block lies in the squashfs.
garble_table_block() {  # garble_table_block IMAGE BASE FIELD
    local image=$1 base=$2 field=$3 index block
    index=$(od -An -t u8 -j $((base + field)) -N 8 "$image" | tr -d ' ')
    block=$(od -An -t u8 -j $((base + index)) -N 8 "$image" | tr -d ' ')
    printf '\002\000\377\377' | dd of="$image" bs=1 seek=$((base + block)) conv=notrunc status=none
    echo "$block"
}

@test "a squashfs whose id table is corrupt: exit 65 when opened, naming the image and the table" {
    # Not left to the mount, where the root's owner is first read: that failed as a bare EIO
    # ("staging the image's root: reading the mounted image's root"), exit 71.
    image=$(scratch_dir)/ids.sqfs
    cp "$APP_SQFS" "$image"
    block=$(garble_table_block "$image" 0 48)
    run -65 "$HPC" exec "$image" true
    [ "$output" = "hpc: $image: squashfs id table: block 0 at byte $block does not decode" ]
}

@test "a SIF whose export or fragment table is corrupt: exit 65 when opened, naming the image and the table" {
    base=$(siftool list "$APP_SIF" | awk -F'|' '/Squashfs/ { split($4, r, "-"); print r[1] + 0 }')
    for table in export:88 fragment:80; do
        image=$(scratch_dir)/${table%:*}.sif
        cp "$APP_SIF" "$image"
        block=$(garble_table_block "$image" "$base" "${table#*:}")
        run -65 "$HPC" exec "$image" true
        [ "$output" = "hpc: $image: squashfs ${table%:*} table: block 0 at byte $block does not decode" ]
    done
}

@test "a corrupt data block: the payload gets EIO, hpc says once, without -v, how many reads failed and why" {
    dir=$(scratch_dir)
    make_sif_with_garbled_block "$dir" data.txt
    run --separate-stderr "$HPC" exec "$dir/image.sif" cat /data.txt
    [ "$status" -eq 1 ]  # cat's own: read error
    [[ "$stderr" == *"Input/output error"* ]]
    one_failed_reads_warning "$dir/image.sif"
}

@test "a corrupt data block: the payload's exit status passes through; reads that succeed bring no warning" {
    dir=$(scratch_dir)
    make_sif_with_garbled_block "$dir" data.txt
    run --separate-stderr "$HPC" exec "$dir/image.sif" sh -c 'cat /data.txt >/dev/null 2>&1; exit 7'
    [ "$status" -eq 7 ]
    one_failed_reads_warning "$dir/image.sif"
    run --separate-stderr "$HPC" exec "$dir/image.sif" cat /etc/passwd
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}

@test "a corrupt block in the command's own binary: exit 126, the warning of failed reads before the error" {
    dir=$(scratch_dir)
    make_sif_with_garbled_block "$dir" bin/busybox
    run --separate-stderr -126 "$HPC" exec --share-linger 0 "$dir/image.sif" cat /etc/passwd
    one_failed_reads_warning "$dir/image.sif"
    [[ "${stderr_lines[0]}" == "hpc: warning: $dir/image.sif: "* ]]
    # /bin/sh, which runs the image's environment scripts, is busybox too.
    [[ "${stderr_lines[1]}" == "hpc: "*": cannot execute in the container: Input/output error" ]]
    [ "${#stderr_lines[@]}" -eq 2 ]
    # Through a lingering server, the launch is a joiner: the server says its warning once the
    # joiner has ended, after the joiner's own error.
    run --separate-stderr -126 "$HPC" exec --share-linger 2 "$dir/image.sif" cat /etc/passwd
    [[ "${stderr_lines[0]}" == "hpc: "*": cannot execute in the container: Input/output error" ]]
    [[ "${stderr_lines[1]}" == "hpc: warning: $dir/image.sif: "*" reads failed (first: corrupt data block at byte 96"* ]]
    [ "${#stderr_lines[@]}" -eq 2 ]
}
