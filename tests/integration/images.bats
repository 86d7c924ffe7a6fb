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

# DIR/app.sif and DIR/new.sif: the test image with /data.txt, different in each.
make_two_versions() {  # make_two_versions DIR
    local dir=$1 version
    for version in app new; do
        rm -rf "$dir/tree"
        cp -a "$APP_DIR" "$dir/tree"
        seq 1 "$([ "$version" = app ] && echo 100000 || echo 200000)" >"$dir/tree/data.txt"
        mksquashfs "$dir/tree" "$dir/$version.sqfs" -noappend -quiet -all-root >/dev/null
        siftool new "$dir/$version.sif" >/dev/null
        siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 --groupid 1 "$dir/$version.sif" \
            "$dir/$version.sqfs" >/dev/null
    done
}

# Runs `hpc exec OPTIONS DIR/app.sif`, whose payload reads /data.txt (unread so far) once `replace`
# has replaced the image, and says md5sum's status: output in $output and $stderr, hpc's in
# $status. Busybox, which runs it all, is read whole first: a page of its own it faulted in after
# the change would fail too, and the process with it (SIGBUS).
read_after_replacing() {  # read_after_replacing DIR REPLACE OPTIONS...
    local dir=$1 replace=$2 pid
    shift 2
    "$HPC" exec "$@" "$dir/app.sif" sh -c \
        "cat /bin/busybox >/dev/null; touch $dir/started; while [ ! -e $dir/go ]; do sleep 0.05; done; md5sum /data.txt; echo md5sum=\$?" \
        >"$dir/out" 2>"$dir/err" &
    pid=$!
    for _ in $(seq 200); do [ -e "$dir/started" ] && break; sleep 0.05; done
    eval "$replace"
    touch "$dir/go"
    status=0
    wait "$pid" || status=$?
    output=$(cat "$dir/out")
    stderr=$(cat "$dir/err")
    rm -f "$dir/started" "$dir/go"
}

@test "an image rewritten in place while it runs: reads after fail with EIO, and hpc says once that it changed" {
    dir=$(scratch_dir)
    make_two_versions "$dir"
    cp "$dir/app.sif" "$dir/old.sif"
    for options in "--share-linger 0" "--no-share" "--share-linger 1"; do
        cp "$dir/old.sif" "$dir/app.sif"
        # cp over it: truncated and written again under the running server.
        read_after_replacing "$dir" 'cp "$dir/new.sif" "$dir/app.sif"' $options
        [ "$status" -eq 0 ]  # the payload's (sh's), whatever its reads
        [[ "$output" == *"md5sum=1" ]]
        [[ "$stderr" == *"Input/output error"* ]]
        [ "$(grep -c "hpc: warning: $dir/app.sif" <<<"$stderr")" -eq 1 ]
        [[ "$stderr" =~ "hpc: warning: $dir/app.sif changed while it was served: "[0-9]+" read"s?" failed ("(first: )?"the image file was changed in place" ]]
        # The new image, run afresh, is served as it is now.
        run "$HPC" exec "$dir/app.sif" md5sum /data.txt
        [ "$status" -eq 0 ]
        [ "${output%% *}" = "$(image_cat "$dir/new.sif" /data.txt | md5sum | cut -d' ' -f1)" ]
    done
}

@test "an image replaced by a rename while it runs: the running launch goes on with the old bytes, saying nothing" {
    dir=$(scratch_dir)
    make_two_versions "$dir"
    old=$(image_cat "$dir/app.sif" /data.txt | md5sum | cut -d' ' -f1)
    read_after_replacing "$dir" 'cp "$dir/new.sif" "$dir/next.sif" && mv "$dir/next.sif" "$dir/app.sif"' --share-linger 0
    [ "$status" -eq 0 ]
    [[ "$output" == "$old  /data.txt"*"md5sum=0" ]]
    [ -z "$stderr" ]
}
