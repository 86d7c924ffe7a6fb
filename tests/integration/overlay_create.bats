#!/usr/bin/env bats
# hpc overlay create: Apptainer's overlay images, an ext3 file with the layout (upper/, work/ and
# --create-dir's under upper/) or the same added to a SIF as its overlay partition; checked with
# e2fsprogs' own tools (e2fsck, debugfs, dumpe2fs) and siftool, as the unprivileged user.
load common

setup() {
    dir=$(scratch_dir)
    cd "$dir"
    uid=$(id -u)
    gid=$(id -g)
}

# Nothing but the names given is in the working directory, and no layout is left in $TMPDIR.
only_these_left() {
    [ "$(ls -A | xargs)" = "$*" ] || { ls -A; false; }
    [ -z "$(ls -A "${TMPDIR:-/tmp}" | grep '^hpc-overlay\.' || true)" ]
}

@test "a new image: 64 MiB, its blocks allocated, a clean ext3 with upper/ and work/ the user's" {
    run "$HPC" overlay create overlay.img
    [ "$status" -eq 0 ]
    [ "$output" = "hpc: created overlay.img (ext3 overlay, 64 MiB)" ]
    [ "$(stat -c '%s %a %u' overlay.img)" = "67108864 600 $uid" ]
    [ "$(du -k overlay.img | cut -f1)" -ge 65536 ]
    e2fsck -fn overlay.img
    dumpe2fs -h overlay.img 2>/dev/null | grep -q '^Filesystem features:.*has_journal'  # ext3, not ext2
    [ "$(ext3_owner overlay.img /upper)" = "$uid $gid 40755" ]
    [ "$(ext3_owner overlay.img /work)" = "$uid $gid 40755" ]
    # Its root too, as mke2fs 1.47.0 would not make it: a run may add beside upper/ and work/.
    [ "$(debugfs -R 'ls -l /' overlay.img 2>/dev/null | awk '$NF == "." { print $4, $5 }')" = "$uid $gid" ]
    only_these_left overlay.img
}

@test "--sparse --size: the size asked for, few blocks taken; --create-dir under upper/" {
    run "$HPC" -q overlay create --sparse --size 200 --create-dir /opt/app --create-dir data/./x/.. sparse.img
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    [ "$(stat -c %s sparse.img)" = $((200 << 20)) ]
    [ "$(du -k sparse.img | cut -f1)" -lt 20000 ]
    e2fsck -fn sparse.img
    [ "$(ext3_owner sparse.img /upper/opt)" = "$uid $gid 40755" ]
    [ "$(ext3_owner sparse.img /upper/opt/app)" = "$uid $gid 40755" ]
    [ "$(ext3_owner sparse.img /upper/data)" = "$uid $gid 40755" ]
    [ -z "$(ext3_owner sparse.img /upper/data/x)" ]
    only_these_left sparse.img
}

@test "--fakeroot: the layout is root's, mke2fs alone in a root-mapped user namespace" {
    run "$HPC" overlay create --fakeroot --create-dir opt root.img
    [ "$status" -eq 0 ]
    e2fsck -fn root.img
    [ "$(ext3_owner root.img /upper)" = "0 0 40755" ]
    [ "$(ext3_owner root.img /work)" = "0 0 40755" ]
    [ "$(ext3_owner root.img /upper/opt)" = "0 0 40755" ]
    # The file itself is the user's.
    [ "$(stat -c '%u %g' root.img)" = "$uid $gid" ]
}

@test "mke2fs is found in /usr/sbin or /sbin when PATH has neither" {
    run env PATH=/usr/bin:/bin "$HPC" overlay create plain-path.img
    [ "$status" -eq 0 ]
    e2fsck -fn plain-path.img
}

@test "mke2fs failing: what it said in one line, exit 73, nothing left" {
    mkdir bin
    printf '#!/bin/sh\necho "mke2fs: no space while populating file system" >&2\necho "second line" >&2\nexit 1\n' >bin/mke2fs
    chmod +x bin/mke2fs
    run -73 env PATH="$PWD/bin:$PATH" "$HPC" overlay create failed.img
    [ "$output" = "hpc: failed.img: mke2fs failed (exit status 1): mke2fs: no space while populating file system; second line" ]
    only_these_left bin
}

@test "refused: an existing file, a directory, a bad --create-dir or --size, a missing directory; nothing left" {
    echo data >taken.img
    run -73 "$HPC" overlay create taken.img
    [ "$output" = "hpc: taken.img: already exists and is not a SIF (only a SIF takes an overlay)" ]
    [ "$(cat taken.img)" = data ]
    mkdir folder
    run -73 "$HPC" overlay create folder
    [ "$output" = "hpc: folder: already exists and is not a file (a SIF takes an overlay partition)" ]
    ln -s nowhere dangling
    run -73 "$HPC" overlay create dangling
    [ "$output" = "hpc: dangling: already exists (a symbolic link to nothing)" ]
    run -64 "$HPC" overlay create --create-dir ../x new.img
    [ "$output" = "hpc: --create-dir '../x': leaves the overlay's upper/ directory" ]
    run -64 "$HPC" overlay create --create-dir a/../../upperx new.img
    [ "$output" = "hpc: --create-dir 'a/../../upperx': leaves the overlay's upper/ directory" ]
    run -64 "$HPC" overlay create --size 1 new.img
    [ "$output" = "hpc: overlay create: --size: Value 1 not in range 2 to 16777215 (see hpc overlay create --help)" ]
    run -73 "$HPC" overlay create missing/new.img
    [ "$output" = "hpc: missing/new.img: cannot be created: No such file or directory (a temporary file beside it)" ]
    only_these_left dangling folder taken.img
}

@test "a SIF takes the overlay as a partition, still runs, and takes no second one" {
    cp "$PLAIN_SIF" app.sif
    run "$HPC" overlay create --size 16 app.sif
    [ "$status" -eq 0 ]
    [ "$output" = "hpc: added an ext3 overlay partition of 16 MiB to app.sif (ID 2)" ]
    siftool list app.sif | grep -q "^1 .*|FS (Squashfs/\*System/$(host_arch))$"
    siftool list app.sif | grep -q "^2 .*|FS (Ext3/Overlay/$(host_arch))$"
    siftool info 2 app.sif | grep -q '^ *Size: *16777216$'
    # Aligned to 4096, at the old end of the file, allocated.
    offset=$(siftool info 2 app.sif | awk '/Offset:/ { print $2 }')
    [ $((offset % 4096)) -eq 0 ]
    [ "$(stat -c %s app.sif)" -eq $((offset + (16 << 20))) ]
    [ "$(du -k app.sif | cut -f1)" -ge 16384 ]
    siftool dump 2 app.sif >partition.ext3
    e2fsck -fn partition.ext3
    [ "$(ext3_owner partition.ext3 /upper)" = "$uid $gid 40755" ]
    run "$HPC" exec app.sif sh -c 'echo ran'
    [ "$status" -eq 0 ]
    [ "$output" = ran ]

    size=$(stat -c %s app.sif)
    run -65 "$HPC" overlay create app.sif
    [ "$output" = "hpc: app.sif: the SIF has a writable overlay partition already (ID 2): delete it first with siftool del 2" ]
    [ "$(stat -c %s app.sif)" = "$size" ]
    only_these_left app.sif partition.ext3

    # Deleted with siftool, the slot is taken again.
    siftool del 2 app.sif
    run "$HPC" overlay create --sparse app.sif
    [ "$status" -eq 0 ]
    [ "$output" = "hpc: added an ext3 overlay partition of 64 MiB to app.sif (ID 2)" ]
    siftool list app.sif | grep -q "^2 .*|FS (Ext3/Overlay/$(host_arch))$"
    "$HPC" exec app.sif true
}

@test "a signed SIF is refused, and left as it was" {
    cp "$BATS_TEST_DIRNAME/fixtures/one-group-signed-dsse.sif" signed.sif
    sum=$(sha256sum <signed.sif)
    run -65 "$HPC" overlay create signed.sif
    [ "$output" = "hpc: signed.sif: the SIF is signed (object 3 is a signature): an overlay partition added to it would not be covered by its signatures" ]
    [ "$(sha256sum <signed.sif)" = "$sum" ]
    only_these_left signed.sif
}

@test "Ctrl-C while mke2fs runs: exit 130, nothing left" {
    # 4 TiB, sparse: mke2fs writes its tables for seconds. setsid: a process group of its own,
    # which the ^C reaches as a terminal's would.
    setsid "$HPC" overlay create --sparse --size 4194304 big.img 2>log &
    local creator=$!
    for _ in $(seq 100); do [ -n "$(ls -A | grep '^\.hpc-overlay\.' || true)" ] && break; sleep 0.1; done
    sleep 0.5
    kill -INT -- -"$creator"
    status=0
    wait "$creator" || status=$?
    [ "$status" -eq 130 ]
    [ "$(cat log)" = "hpc: big.img: mke2fs was interrupted" ]
    rm log
    only_these_left
}
