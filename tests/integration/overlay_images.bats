#!/usr/bin/env bats
# Writable overlay images: ext3 files (hpc or apptainer overlay create's, or mkfs.ext3 -d's) and a
# SIF's overlay partition, served by fuse2fs, stacked by fuse-overlayfs when one takes the writes;
# read-only with :ro; one writer at a time (a lock, as Apptainer's); consistent after a kill.
load common

setup() {
    dir=$(scratch_dir)
    cd "$dir"
    "$HPC" overlay create --size 64 env.img >/dev/null
}

state_of() { dumpe2fs -h "$1" 2>/dev/null | awk -F': *' '/^Filesystem state/ { print $2 }'; }

# Waits (at most 30 s) until this user runs no fuse2fs: a killed run's ends on its own.
no_fuse2fs_left() {
    for _ in $(seq 300); do
        pgrep -u "$(id -u)" -x fuse2fs >/dev/null || return 0
        sleep 0.1
    done
    false
}

@test "an ext3 overlay image keeps what a run writes and deletes, the user's, and stays clean" {
    run "$HPC" exec --overlay env.img "$PLAIN_SIF" sh -c 'mkdir -p /opt/app && echo v1 >/opt/app/version && rm /bin/vi && echo ok'
    [ "$status" -eq 0 ]
    [ "$output" = ok ]
    run "$HPC" exec --overlay env.img "$PLAIN_SIF" sh -c 'cat /opt/app/version; test -e /bin/vi || echo "vi gone"'
    [ "$output" = "v1"$'\n'"vi gone" ]
    # Written into the image's upper/, as the user; the file system clean once the run is over.
    [ "$(ext3_owner env.img /upper/opt/app/version | cut -d' ' -f1,2)" = "$(id -u) $(id -g)" ]
    e2fsck -fn env.img
    [ "$(state_of env.img)" = clean ]
    # The SIF is as it was.
    run "$HPC" exec "$PLAIN_SIF" sh -c 'test -e /opt/app/version || echo "no version"; test -L /bin/vi && echo "vi there"'
    [ "$output" = "no version"$'\n'"vi there" ]
    no_fuse2fs_left
}

@test "an image made by mkfs.ext3 -d, used read-only with :ro, and as an image bind" {
    mkdir -p layout/upper/etc layout/work
    echo from-ext3 >layout/upper/etc/motd
    mkfs.ext3 -q -F -d layout mine.img 8M
    run "$HPC" exec --overlay mine.img:ro "$PLAIN_SIF" sh -c 'cat /etc/motd; touch /x 2>&1'
    [ "${lines[0]}" = from-ext3 ]
    [[ "${lines[1]}" == *"Read-only file system"* ]]
    run "$HPC" exec -B mine.img:/layout:image-src=/upper/etc "$PLAIN_SIF" cat /layout/motd
    [ "$output" = from-ext3 ]
    [ "$(state_of mine.img)" = clean ]
}

@test "one writer at a time: a second writer, or a reader while it writes, is refused with 75" {
    "$HPC" exec --overlay env.img "$PLAIN_SIF" sh -c 'touch /started; sleep 4' &
    writer=$!
    for _ in $(seq 100); do  # until its stack is up
        ! pgrep -u "$(id -u)" -x fuse-overlayfs >/dev/null || break
        sleep 0.1
    done
    run -75 "$HPC" exec --overlay env.img "$PLAIN_SIF" true
    [ "$output" = "hpc: staging the image's root: --overlay env.img: $dir/env.img: in use by another process (one run may write an overlay image, or many read it)" ]
    run -75 "$HPC" exec --overlay env.img:ro "$PLAIN_SIF" true
    [[ "$output" == *"$dir/env.img: in use for writing by another process"* ]]
    wait "$writer"
    # Readers share it.
    "$HPC" exec --overlay env.img:ro "$PLAIN_SIF" sleep 2 &
    reader=$!
    sleep 1
    run "$HPC" exec --overlay env.img:ro "$PLAIN_SIF" test -e /started
    [ "$status" -eq 0 ]
    wait "$reader"
}

@test "a run killed with SIGKILL while writing leaves a clean, usable overlay" {
    mkdir out
    "$HPC" exec -B "$dir/out:/out" --overlay env.img "$PLAIN_SIF" \
        sh -c 'echo line >>/log && touch /out/writing; while :; do echo line >>/log; done' &
    pid=$!
    for _ in $(seq 300); do  # killed while writing, not while starting (a loaded machine is slow)
        [ ! -e out/writing ] || break
        sleep 0.1
    done
    [ -e out/writing ]
    sleep 0.5
    kill -9 "$pid"
    wait "$pid" || true
    no_fuse2fs_left
    e2fsck -fn env.img
    [ "$(state_of env.img)" = clean ]
    run "$HPC" exec --overlay env.img "$PLAIN_SIF" sh -c 'test -s /log && echo more >>/log && tail -n 1 /log'
    [ "$output" = more ]
}

@test "--fakeroot writes as root into the image, as Apptainer's --fakeroot overlay" {
    "$HPC" overlay create --fakeroot --size 16 root.img >/dev/null
    run "$HPC" exec --fakeroot --overlay root.img "$PLAIN_SIF" sh -c 'echo r >/etc/by-root; stat -c %u /etc/by-root'
    [ "$output" = 0 ]
    [ "$(ext3_owner root.img /upper/etc/by-root | cut -d' ' -f1)" = 0 ]
}

@test "a SIF's overlay partition: read-only by default, written with --writable, the SIF still siftool's" {
    cp "$PLAIN_SIF" app.sif
    "$HPC" overlay create --size 16 app.sif >/dev/null
    run "$HPC" exec --writable app.sif sh -c 'echo kept >/hello && echo ok'
    [ "$output" = ok ]
    # Written through fuse2fs, the SIF's modification time changes under its own squashfs's
    # server, which goes on serving it (a file written in place by design: image_change.hpp).
    run --separate-stderr "$HPC" exec --writable app.sif sh -c 'echo again >/again && sync && cat /not-in-the-image'
    [[ "$output$stderr" == *"No such file or directory"* ]]
    [[ "$stderr" != *"changed while it was served"* ]]
    run "$HPC" exec app.sif sh -c 'cat /hello; touch /x 2>&1'
    [ "${lines[0]}" = kept ]
    [[ "${lines[1]}" == *"Read-only file system"* ]]
    # Another image may use it as an overlay; the SIF reads as before.
    run "$HPC" exec --overlay app.sif:ro "$APP_SIF" cat /hello
    [ "$output" = kept ]
    siftool list app.sif | grep -q 'Ext3/Overlay'
    run "$HPC" exec --dry-run --writable app.sif true
    [[ "$output" == *"image 0: $dir/app.sif (sif partition at byte "*", served by fuse2fs, writable)  # $dir/app.sif's overlay partition"* ]]
}

@test "a corrupt ext3 image: one line with fuse2fs's cause, exit 65, nothing left running" {
    cp env.img broken.img
    dd if=/dev/zero of=broken.img bs=1024 seek=2 count=4096 conv=notrunc status=none  # group descriptors and tables gone
    run -65 "$HPC" exec --overlay broken.img "$PLAIN_SIF" true
    [[ "$output" == "hpc: staging the image's root: --overlay broken.img: fuse2fs "*"missing an inode table"* ]]
    [ "${#lines[@]}" -eq 1 ]
    no_fuse2fs_left
    pgrep -u "$(id -u)" -x fuse-overlayfs && false || true
}
