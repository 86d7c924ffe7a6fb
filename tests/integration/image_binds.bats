#!/usr/bin/env bats
# Image files beside the root, served by hpc's own in-process server: squashfs overlays stacked
# read-only, a SIF's squashfs partition as a layer, image binds (-B FILE:DST:image-src=/sub,
# id=N, --mount), one mount per file system, shared with the node's other launches.
load common

# Each launch's own server, gone with it (its mounts checked gone): linger.bats has those that stay.
export HPC_SHARE_LINGER=0

setup() {
    dir=$(scratch_dir)
    cd "$dir"
    mkdir -p tree/set/a tree/opt
    echo one >tree/set/a/file
    ln -s set/a tree/link-to-a
    echo from-image >tree/opt/where
    mksquashfs tree data.sqfs -quiet -noappend -no-progress >/dev/null
}

@test "-B FILE:DST:image-src=/sub binds a path inside a squashfs, read-only, links resolved inside it" {
    run "$HPC" exec -B data.sqfs:/data:image-src=/set -B "data.sqfs:/a:image-src=/link-to-a" "$PLAIN_SIF" \
        sh -c 'cat /data/a/file /a/file; touch /data/new 2>&1; test "$(stat -c %d /data)" = "$(stat -c %d /a)" && echo one-mount'
    [ "${lines[0]}" = one ]
    [ "${lines[1]}" = one ]
    [[ "${lines[2]}" == *"Read-only file system"* ]]
    [ "${lines[3]}" = one-mount ]
    # The whole file system, and --mount's syntax.
    run "$HPC" exec --mount "type=bind,source=$dir/data.sqfs,destination=/d,image-src=/" "$PLAIN_SIF" cat /d/opt/where
    [ "$output" = from-image ]
}

@test "id=N picks a SIF's partition; without it the SIF's primary partition is bound" {
    cp "$PLAIN_SIF" two.sif
    siftool add --datatype 4 --parttype 3 --partfs 1 --partarch 2 two.sif data.sqfs
    id=$(siftool list two.sif | awk -F'|' '/Data/ { gsub(/ /, "", $1); print $1 }' | tail -n 1)
    run "$HPC" exec -B "two.sif:/data:id=$id,image-src=/set" -B two.sif:/sys-image:image-src=/bin "$PLAIN_SIF" \
        sh -c 'cat /data/a/file; test -e /sys-image/busybox && echo busybox'
    [ "$output" = "one"$'\n'"busybox" ]
    run -65 "$HPC" exec -B two.sif:/data:id=99 "$PLAIN_SIF" true
    [ "$output" = "hpc: bind two.sif to /data: $dir/two.sif: no object with id 99" ]
}

@test "squashfs overlays stack read-only over the image, the last on top" {
    mkdir -p high/opt
    echo from-high >high/opt/where
    mksquashfs high high.sqfs -quiet -noappend -no-progress >/dev/null
    run "$HPC" exec --overlay data.sqfs --overlay high.sqfs:ro "$PLAIN_SIF" \
        sh -c 'cat /opt/where /set/a/file; touch /x 2>&1'
    [ "${lines[0]}" = from-high ]
    [ "${lines[1]}" = one ]
    [[ "${lines[2]}" == *"Read-only file system"* ]]
    # With --writable-tmpfs the container writes, into the tmpfs.
    run "$HPC" exec --writable-tmpfs --overlay data.sqfs "$PLAIN_SIF" sh -c 'echo new >/opt/where && cat /opt/where'
    [ "$output" = new ]
    # A SIF's squashfs is a layer too.
    cp "$PLAIN_SIF" layer.sif
    run "$HPC" exec --overlay layer.sif "$APP_SIF" sh -c 'test -e /bin/busybox && echo layered'
    [ "$output" = layered ]
}

@test "--dry-run shows the image files and what uses them" {
    run "$HPC" exec --dry-run --overlay data.sqfs -B data.sqfs:/data:image-src=/set "$PLAIN_SIF" true
    [ "$status" -eq 0 ]
    [[ "$output" == *"image 0: $dir/data.sqfs (squashfs, served by hpc, read-only)  # --overlay data.sqfs"* ]]
    [[ "$output" == *"root: squashfs served by hpc, overlay image 0 (read-only), read-only"* ]]
    [[ "$output" == *"bind image 0:/set -> /data ro  # bind data.sqfs to /data"* ]]
}

@test "launches of one image and data set share the data set's mount" {
    "$HPC" exec -B data.sqfs:/data:image-src=/set "$PLAIN_SIF" sh -c 'stat -c %d /data >first; sleep 3' &
    server=$!
    sleep 1
    run "$HPC" exec -B data.sqfs:/data:image-src=/set "$PLAIN_SIF" sh -c 'stat -c %d /data; cat /data/a/file'
    wait "$server"
    [ "${lines[1]}" = one ]
    [ "${lines[0]}" = "$(cat first)" ]  # the server's mount, bound: one page cache for both
    # --no-share mounts its own.
    run "$HPC" exec --no-share -B data.sqfs:/data:image-src=/set "$PLAIN_SIF" stat -c %d /data
    [ "$status" -eq 0 ]
}

@test "bad image binds and overlays: one line each, nothing left mounted" {
    echo text >notes.txt
    run -65 "$HPC" exec -B notes.txt:/data:image-src=/ "$PLAIN_SIF" true
    [ "$output" = "hpc: bind notes.txt to /data: $dir/notes.txt: not a squashfs, ext3 or SIF image" ]
    run -66 "$HPC" exec -B gone.sqfs:/data:image-src=/ "$PLAIN_SIF" true
    [ "$output" = "hpc: bind gone.sqfs to /data: source not found" ]
    run -64 "$HPC" exec -B data.sqfs:/data:image-src=set "$PLAIN_SIF" true
    [ "$output" = "hpc: bind 'data.sqfs:/data:image-src=set': image-src takes an absolute path inside the image, not 'set'" ]
    run -66 "$HPC" exec -B data.sqfs:/data:image-src=/nothing "$PLAIN_SIF" true
    [ "$output" = "hpc: bind data.sqfs to /data: image source /nothing: open /images/0/nothing: No such file or directory" ]
    head -c 200000 /dev/urandom >tree/opt/blob  # data enough that a cut loses tables
    mksquashfs tree big.sqfs -quiet -noappend -no-progress >/dev/null
    head -c $(($(stat -c %s big.sqfs) / 2)) big.sqfs >cut.sqfs
    run -65 "$HPC" exec --overlay cut.sqfs "$PLAIN_SIF" true
    [[ "$output" == "hpc: --overlay cut.sqfs: $dir/cut.sqfs: "* ]]
    [ -z "$(pgrep -u "$(id -u)" -x hpc || true)" ]  # no launcher left serving: nothing mounted either
}
