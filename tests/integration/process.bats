#!/usr/bin/env bats
# The launcher supervises: exit statuses, signals, standard streams, and nothing left behind.
load common

# One launch's processes, the launcher's own: none lingers after it here (linger.bats's are).
export HPC_SHARE_LINGER=0

# The PID of the payload running `sleep` with a marker argument, or nothing.
payload_pid() {
    pgrep -u "$(id -u)" -f "^sleep $1\$" || true
}

wait_for_payload() {
    for _ in $(seq 100); do
        [ -n "$(payload_pid "$1")" ] && return 0
        sleep 0.05
    done
    return 1
}

wait_until_gone() {
    for _ in $(seq 100); do
        [ -z "$(payload_pid "$1")" ] && return 0
        sleep 0.05
    done
    return 1
}

@test "the payload's exit status passes through" {
    run -7 "$HPC" exec "$PLAIN_SIF" sh -c 'exit 7'
    run -0 "$HPC" exec "$PLAIN_SIF" true
    run -1 "$HPC" exec "$PLAIN_SIF" false
}

@test "a payload killed by signal N gives 128+N" {
    run -143 "$HPC" exec "$PLAIN_SIF" sh -c 'kill -TERM $$'
    run -137 "$HPC" exec "$PLAIN_SIF" sh -c 'kill -KILL $$'
}

@test "a command the image lacks: exit 127 and one line" {
    run -127 "$HPC" exec "$PLAIN_SIF" no-such-command
    [ "$output" = "hpc: no-such-command: command not found in the container" ]
}

@test "stdin, stdout and stderr pass through" {
    run bash -c "echo 'from stdin' | '$HPC' exec '$PLAIN_SIF' sh -c 'cat; echo to-stderr >&2'"
    [ "$status" -eq 0 ]
    [ "$output" = "from stdin"$'\n'"to-stderr" ]
}

@test "the payload sees only fds 0, 1 and 2" {
    # "; true" keeps sh from exec'ing ls in its place: the listing is of sh's own fds.
    run "$HPC" exec "$PLAIN_SIF" sh -c 'ls /proc/$$/fd; true'
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "0 1 2" ]
}

@test "SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 reach the payload" {
    for signal in TERM INT HUP QUIT USR1 USR2; do
        out=$(scratch_dir)/out
        "$HPC" exec "$PLAIN_SIF" sh -c "trap 'echo got $signal; exit 3' $signal; echo ready; while :; do sleep 0.05; done" >"$out" &
        launcher=$!
        for _ in $(seq 100); do grep -q ready "$out" 2>/dev/null && break; sleep 0.05; done
        kill -s "$signal" "$launcher"
        status=0
        wait "$launcher" || status=$?
        [ "$status" -eq 3 ]
        [ "$(tail -n 1 "$out")" = "got $signal" ]
    done
}

@test "SIGTERM to the launcher ends a payload that does not catch it: 143" {
    "$HPC" exec "$PLAIN_SIF" sleep 1001 &
    launcher=$!
    wait_for_payload 1001
    kill -TERM "$launcher"
    status=0
    wait "$launcher" || status=$?
    [ "$status" -eq 143 ]
    wait_until_gone 1001
}

@test "the payload dies with the launcher, even on SIGKILL, and nothing is left" {
    "$HPC" exec "$PLAIN_SIF" sleep 1002 &
    launcher=$!
    wait_for_payload 1002
    kill -KILL "$launcher"
    wait "$launcher" || true
    wait_until_gone 1002
    [ -z "$(pgrep -u "$(id -u)" -f "hpc exec")" ]
}

@test "a launcher SIGKILLed as it starts its payload leaves no process behind" {
    # The payload's process kept a copy of the launcher's /dev/fuse: if the launcher was killed
    # before the payload's exec, that copy kept the FUSE connection alive, and the process waited
    # for ever for an answer from the dead server (most of 40 kills here). Each launcher is killed
    # as soon as it has a child: its staging is done, the payload's process is starting.
    for _ in $(seq 40); do
        "$HPC" exec --no-share "$PLAIN_SIF" sleep 1005 </dev/null >/dev/null 2>&1 3>&- &
        launcher=$!
        children=
        for _ in $(seq 20000); do
            # Not `read`: the file has no newline, so read fails on it, even when it names a child
            # (the loop then ended at once, and the kill fell in the staging, not at the payload).
            children=$(<"/proc/$launcher/task/$launcher/children") 2>/dev/null || break  # gone
            [ -n "$children" ] && break
        done
        kill -KILL "$launcher"
        wait "$launcher" || true
    done
    # Neither a payload nor a process that never got to exec it (it still shows hpc's command line).
    for _ in $(seq 40); do
        [ -z "$(pgrep -u "$(id -u)" -f "sleep 1005" || true)" ] && return 0
        sleep 0.05
    done
    ps -o pid,stat,wchan:32,args -u "$(id -u)" | grep "sleep 1005"
    return 1
}

@test "background processes the payload leaves are ended with it" {
    run "$HPC" exec "$PLAIN_SIF" sh -c 'sleep 1003 & echo started'
    [ "$status" -eq 0 ]
    [ "$output" = "started" ]
    wait_until_gone 1003
}

@test "background processes are ended also when the container has no /proc" {
    run "$HPC" exec --no-mount proc "$PLAIN_SIF" sh -c 'sleep 1006 & echo started'
    [ "$status" -eq 0 ]
    wait_until_gone 1006
}

@test "under --pid, hpc's init forwards signals and the whole namespace ends" {
    "$HPC" exec --pid "$PLAIN_SIF" sh -c 'sleep 1004 & sleep 1005' &
    launcher=$!
    wait_for_payload 1005
    kill -TERM "$launcher"
    status=0
    wait "$launcher" || status=$?
    [ "$status" -eq 143 ]
    wait_until_gone 1004
    wait_until_gone 1005
}

@test "the payload keeps the caller's umask; --no-umask gives it 0022" {
    run sh -c "umask 0077 && '$HPC' exec '$PLAIN_SIF' sh -c umask"
    [ "$output" = 0077 ]
    run sh -c "umask 0077 && '$HPC' exec --no-umask '$PLAIN_SIF' sh -c umask"
    [ "$output" = 0022 ]
    run sh -c "umask 0077 && APPTAINER_NO_UMASK=1 '$HPC' exec '$PLAIN_SIF' sh -c umask"
    [ "$output" = 0022 ]
}

@test "--compat: contained, the payload PID 1, umask 0022, a writable tmpfs, values literal" {
    echo host-tmp-file >"/tmp/hpc-compat-$$"
    run sh -c "umask 0077 && '$HPC' exec --compat --env 'V=\$HOME' '$PLAIN_SIF' sh -c 'echo \$\$; umask; echo \$V; touch /new && echo writable; ls /tmp | grep -c hpc-compat-'"
    rm -f "/tmp/hpc-compat-$$"
    [ "${lines[0]}" = 1 ]        # --no-init: the payload is PID 1 of its own PID namespace
    [ "${lines[1]}" = 0022 ]     # --no-umask
    [ "${lines[2]}" = '$HOME' ]  # --no-eval
    [ "${lines[3]}" = writable ] # --writable-tmpfs
    [ "${lines[4]}" = 0 ]        # --contain: an empty /tmp
}
