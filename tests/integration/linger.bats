#!/usr/bin/env bats
# A shared mount's server lingers after its last launch (--share-linger, HPC_SHARE_LINGER, the
# site's mount.share_linger): the next launch of the image joins it warm, while every `hpc exec`
# still returns when its payload ends. After the linger, nothing of the user's is left; a changed
# image file or a stop signal ends it at once.
load common

setup() {
    work=$(scratch_dir)
    cd "$work"
}

teardown() {
    pkill -TERM -u "$(id -u)" -f "hpc.* exec .*$work" 2>/dev/null || true
    pkill -TERM -u "$(id -u)" -f "hpc.* exec .*$APP_SIF" 2>/dev/null || true
}

device_of_image='stat -c %d /bin/busybox'

# The lingering servers of IMAGE: processes of hpc's still there after every hpc exec returned
# (the server keeps the command line of the launch that started it). Zombies not counted.
servers_of() {  # servers_of IMAGE
    local pid
    for pid in $(pgrep -u "$(id -u)" -f "hpc.* exec .*$1" || true); do
        [[ "$(ps -o stat= -p "$pid" || true)" == Z* ]] || echo "$pid"
    done
}

wait_until_gone() {  # wait_until_gone IMAGE SECONDS
    for _ in $(seq $(($2 * 20))); do [ -z "$(servers_of "$1")" ] && return 0; sleep 0.05; done
    servers_of "$1"
    return 1
}

@test "the next launch within the linger joins the mount the last one left, warm" {
    run "$HPC" exec --share-linger 5 "$APP_SIF" sh -c "$device_of_image"
    [ "$status" -eq 0 ]
    first=$output
    [ "$(servers_of "$APP_SIF" | wc -l)" -eq 1 ]
    run "$HPC" exec --share-linger 5 "$APP_SIF" sh -c "$device_of_image"
    [ "$output" = "$first" ]  # one superblock: the same mount
    run "$HPC" exec --no-share "$APP_SIF" sh -c "$device_of_image"
    [ "$output" != "$first" ]
    run "$HPC" exec --share-linger 5 "$APP_SIF" sh -c 'exit 3'
    [ "$status" -eq 3 ]  # the payload's status, through a joined launch
}

@test "a launch within the linger enters the tree the last one staged, unless a host path it binds was replaced" {
    mkdir data
    echo one >data/file
    # /dev is a tmpfs of the staged tree's own: one device number, one tree.
    tree='stat -c %d /dev; cat /data/file; touch /dev/made 2>/dev/null && echo writable || echo read-only'
    run "$HPC" exec --share-linger 5 -B "$work/data:/data" "$APP_SIF" sh -c "$tree"
    [ "$status" -eq 0 ]
    first=${lines[0]}
    [ "${lines[1]}" = one ]
    [ "${lines[2]}" = read-only ]  # no task leaves anything in it for the next
    run "$HPC" exec --share-linger 5 -B "$work/data:/data" "$APP_SIF" sh -c "$tree"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$first" ]  # the same tree, not staged again
    [ "${lines[2]}" = read-only ]
    # Another bind: another tree.
    run "$HPC" exec --share-linger 5 -B "$work/data:/other" "$APP_SIF" stat -c %d /dev
    [ "$output" != "$first" ]
    # The directory bound made again (a workflow's fresh output folder): the kept tree binds
    # the old one, so the launch stages its own, and sees the new directory.
    rm -r data
    mkdir data
    echo two >data/file
    run "$HPC" exec --share-linger 5 -B "$work/data:/data" "$APP_SIF" sh -c "$tree"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" != "$first" ]
    [ "${lines[1]}" = two ]
}

@test "after the linger nothing of the user's is left; what a task left running ends with its last launch" {
    run "$HPC" exec --share-linger 1 "$APP_SIF" sh -c 'sleep 60 >/dev/null 2>&1 & echo $!'
    [ "$status" -eq 0 ]
    left=$output
    # The daemon ends when the last launch has (before the linger), as without one.
    for _ in $(seq 40); do [[ "$(ps -o stat= -p "$left" || true)" == @(|Z*) ]] && break; sleep 0.05; done
    [[ "$(ps -o stat= -p "$left" || true)" == @(|Z*) ]]
    [ -n "$(servers_of "$APP_SIF")" ]
    wait_until_gone "$APP_SIF" 3
}

@test "hpc exec returns when its payload ends: a pipe's reader and a shell's wait are not kept" {
    start=$(date +%s%N)
    output=$("$HPC" exec --share-linger 30 "$APP_SIF" echo piped | cat)
    [ "$output" = piped ]
    run "$HPC" exec --share-linger 30 "$APP_SIF" sh -c 'sleep 0.1 & wait; echo waited'
    [ "$output" = waited ]
    elapsed=$((($(date +%s%N) - start) / 1000000))
    [ "$elapsed" -lt 3000 ]
    [ -n "$(servers_of "$APP_SIF")" ]  # and the server lingers on
}

@test "a changed image file ends its server at once; the new image is served anew" {
    cp "$APP_SIF" img.sif
    run "$HPC" exec --share-linger 60 img.sif cat /.singularity.d/runscript
    old=$output
    [ -n "$(servers_of "$work/img.sif")$(servers_of img.sif)" ]
    # Rebuilt in place: the file written.
    cp "$PLAIN_SIF" img.sif
    wait_until_gone img.sif 2
    run "$HPC" exec --share-linger 60 img.sif cat /.singularity.d/runscript
    [ "$status" -ne 0 ]  # plain.sif has no runscript: the new image, not the old mount
    # Replaced by a rename over its name.
    cp "$APP_SIF" new.sif
    mv new.sif img.sif
    wait_until_gone img.sif 2
    run "$HPC" exec --share-linger 60 img.sif cat /.singularity.d/runscript
    [ "$output" = "$old" ]
}

@test "SIGTERM ends a lingering server at once" {
    "$HPC" exec --share-linger 60 "$APP_SIF" true
    server=$(servers_of "$APP_SIF")
    [ -n "$server" ]
    kill -TERM $server
    wait_until_gone "$APP_SIF" 2
}

@test "no linger: --share-linger 0, HPC_SHARE_LINGER=0, --no-share, a shell" {
    "$HPC" exec --share-linger 0 "$APP_SIF" true
    [ -z "$(servers_of "$APP_SIF")" ]
    HPC_SHARE_LINGER=0 "$HPC" exec "$APP_SIF" true
    [ -z "$(servers_of "$APP_SIF")" ]
    "$HPC" exec --no-share --share-linger 30 "$APP_SIF" true
    [ -z "$(servers_of "$APP_SIF")" ]
    echo true | "$HPC" shell --share-linger 30 "$APP_SIF"
    [ -z "$(pgrep -u "$(id -u)" -f "hpc.* shell .*$APP_SIF" || true)" ]
    run "$HPC" exec --share-linger 3601 "$APP_SIF" true
    [ "$status" -eq 64 ]
    run "$HPC" exec --dry-run --share-linger 7 "$APP_SIF" true
    [[ "$output" == *"its server staying 7 s after the last launch"* ]]
}
