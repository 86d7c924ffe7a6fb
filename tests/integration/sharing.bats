#!/usr/bin/env bats
# One mount per node: concurrent launches of one image by one user share the first launcher's
# FUSE mount (one superblock: the image's files show the same device in all of them), the server
# stays as long as its last user, and races and a killed server leave every launch working and
# nothing behind.
load common

setup() {
    work=$(scratch_dir)
    cd "$work"
    # The server here is the first launch's own hpc, which ends with its last joiner; lingering
    # servers are linger.bats's.
    export HPC_SHARE_LINGER=0
}

# The device of an image file, as the payload sees it.
device_of_image='stat -c %d /bin/busybox'

wait_for_file() {
    for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
    return 1
}

nothing_running() {
    local left
    left=$(pgrep -a -u "$(id -u)" -f "hpc exec .*$APP_SIF" || true)
    [ -z "$left" ] || { echo "left running: $left"; return 1; }
}

@test "a second launch of the image joins the first one's mount; --no-share does not" {
    "$HPC" exec "$APP_SIF" sh -c "$device_of_image >first; sleep 2" &
    wait_for_file first
    run "$HPC" exec "$APP_SIF" sh -c "$device_of_image"
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat first)" ]
    run "$HPC" exec --no-share "$APP_SIF" sh -c "$device_of_image"
    [ "$status" -eq 0 ]
    [ "$output" != "$(cat first)" ]
    wait
    nothing_running
}

@test "a joiner has its own binds and working directory" {
    mkdir own
    echo mine >own/file
    "$HPC" exec "$APP_SIF" sh -c "$device_of_image >first; sleep 2" &
    wait_for_file first
    run "$HPC" exec -B "$work/own:/mnt/own" --pwd /mnt/own "$APP_SIF" sh -c "cat file; pwd; $device_of_image"
    [ "$output" = "mine"$'\n'"/mnt/own"$'\n'"$(cat first)" ]
    wait
}

@test "the server outlives its own payload until its last joiner is done" {
    "$HPC" exec "$APP_SIF" sh -c "$device_of_image >first; sleep 0.5" &
    server=$!
    wait_for_file first
    # The joiner reads the image after the server's own payload has ended.
    run "$HPC" exec "$APP_SIF" sh -c "sleep 1.5; cat /.singularity.d/runscript >/dev/null && $device_of_image"
    [ "$output" = "$(cat first)" ]
    status=0
    wait "$server" || status=$?
    [ "$status" -eq 0 ]
    nothing_running
}

@test "a joiner becomes its payload; what it leaves running ends with the last launch" {
    "$HPC" exec "$APP_SIF" sh -c "$device_of_image >first; sleep 1.5" &
    server=$!
    wait_for_file first
    # No process of hpc's stays between the caller and a joiner's payload.
    "$HPC" exec "$APP_SIF" sh -c "$device_of_image >joined; echo \$\$ >payload; sleep 0.3; exit 7" &
    joiner=$!
    status=0
    wait "$joiner" || status=$?
    [ "$status" -eq 7 ]
    [ "$(cat payload)" = "$joiner" ]
    [ "$(cat joined)" = "$(cat first)" ]
    # A daemon left by a joiner runs on while the server does, and is ended with it.
    "$HPC" exec "$APP_SIF" sh -c 'sleep 60 >/dev/null 2>&1 & echo $! >left'
    kill -0 "$(cat left)"
    wait "$server"
    # Ended: gone, or a zombie its new parent (the machine's init) has yet to reap.
    for _ in $(seq 50); do [[ "$(ps -o stat= -p "$(cat left)" || true)" == @(|Z*) ]] && break; sleep 0.02; done
    [[ "$(ps -o stat= -p "$(cat left)" || true)" == @(|Z*) ]]
    nothing_running
}

@test "eight launches started at once all run, on one mount" {
    for i in $(seq 8); do "$HPC" exec "$APP_SIF" sh -c "$device_of_image >dev.$i; sleep 1" & done
    wait
    [ "$(ls dev.* | wc -l)" -eq 8 ]
    [ "$(cat dev.* | sort -u | wc -l)" -eq 1 ]
    nothing_running
}

@test "a server killed with SIGKILL: the next launch serves anew, and nothing is left" {
    "$HPC" exec "$APP_SIF" sh -c "$device_of_image >first; sleep 30" &
    server=$!
    wait_for_file first
    kill -KILL "$server"
    # (The new mount may get the dead one's device number: the launch succeeding is the point.)
    run "$HPC" exec "$APP_SIF" sh -c "$device_of_image"
    [ "$status" -eq 0 ]
    [ -n "$output" ]
    wait || true
    nothing_running
    [ -z "$(pgrep -u "$(id -u)" -f 'sleep 30' || true)" ]
}

@test "a joiner with --pid and --ipc gets namespaces of its own; a shell never serves" {
    "$HPC" exec "$APP_SIF" sh -c "$device_of_image >first; readlink /proc/self/ns/ipc >first.ipc; sleep 2" &
    wait_for_file first.ipc
    run "$HPC" exec --pid --ipc "$APP_SIF" sh -c "$device_of_image; echo \$\$; readlink /proc/self/ns/ipc"
    [ "${lines[0]}" = "$(cat first)" ]
    [ "${lines[1]}" = 2 ]  # hpc's init is 1 in the joiner's own PID namespace
    [ "${lines[2]}" != "$(cat first.ipc)" ]
    run "$HPC" shell --dry-run "$APP_SIF"
    [[ "$output" == *"image mount: private"* ]]
    wait
    nothing_running
}
