#!/usr/bin/env bats
# What a payload sees: who it is, where it is, which files it has.
load common

@test "the user is themselves: id -u, id -g, whoami, id -Gn as on the host" {
    run "$HPC" exec "$PLAIN_SIF" sh -c 'id -u; id -g; whoami; id -Gn'
    [ "$status" -eq 0 ]
    [ "$output" = "$(id -u; id -g; whoami; id -Gn)" ]
}

@test "HOME is the host's home, bound at its path" {
    echo "a note" >"$HOME/hpc-home-note"
    run "$HPC" exec "$PLAIN_SIF" sh -c 'echo "$HOME"; cat "$HOME/hpc-home-note"'
    rm -f "$HOME/hpc-home-note"
    [ "$status" -eq 0 ]
    [ "$output" = "$HOME"$'\n'"a note" ]
}

@test "the working directory is the host's, also outside the home" {
    dir=$(scratch_dir)
    cd "$dir"
    run "$HPC" exec "$PLAIN_SIF" pwd
    [ "$status" -eq 0 ]
    [ "$output" = "$dir" ]
}

@test "a working directory that cannot be reached falls back to HOME with a warning" {
    dir=$(scratch_dir)
    cd "$dir"
    run "$HPC" exec --contain "$PLAIN_SIF" pwd
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "hpc: warning: cannot enter $dir in the container (No such file or directory): starting in $HOME" ]
    [ "${lines[1]}" = "$HOME" ]
}

@test "--pwd sets the working directory, and a missing one is an error" {
    run "$HPC" exec --pwd /etc "$PLAIN_SIF" pwd
    [ "$status" -eq 0 ]
    [ "$output" = "/etc" ]
    run -66 "$HPC" exec --pwd /nonexistent "$PLAIN_SIF" pwd
    [ "$output" = "hpc: --pwd /nonexistent: No such file or directory in the container" ]
}

@test "/tmp and /var/tmp are the host's" {
    dir=$(scratch_dir)
    echo shared >"$dir/file"
    run "$HPC" exec "$PLAIN_SIF" cat "$dir/file"
    [ "$status" -eq 0 ]
    [ "$output" = "shared" ]
    run "$HPC" exec "$PLAIN_SIF" sh -c 'stat -c %i /var/tmp'
    [ "$output" = "$(stat -c %i /var/tmp)" ]
}

@test "/dev is minimal: the harmless devices, pts, shm and the usual links" {
    run "$HPC" exec "$PLAIN_SIF" ls /dev
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" ]
    run "$HPC" exec "$PLAIN_SIF" sh -c 'head -c 4 /dev/zero | od -An -tx1; echo x >/dev/null && echo null-ok'
    [ "$output" = " 00 00 00 00"$'\n'"null-ok" ]
    # Nothing is made in it, as in the host's /dev: read-only (its shm is the host's, writable).
    run "$HPC" exec --no-share "$PLAIN_SIF" sh -c 'touch /dev/made; echo $?; touch /dev/shm/hpc-test-$$ && rm /dev/shm/hpc-test-$$ && echo shm-ok'
    [ "$(echo $output)" = "touch: /dev/made: Read-only file system 1 shm-ok" ]
}

@test "/proc and /sys are there" {
    run "$HPC" exec "$PLAIN_SIF" sh -c 'grep -c ^Name: /proc/self/status; test -d /sys/kernel && echo sys-ok'
    [ "$status" -eq 0 ]
    [ "$output" = "1"$'\n'"sys-ok" ]
}

@test "resolv.conf and hosts are the host's, passwd has the user's line" {
    run "$HPC" exec "$PLAIN_SIF" cat /etc/hosts
    [ "$output" = "$(cat /etc/hosts)" ]
    if [ -e /etc/resolv.conf ]; then
        run "$HPC" exec "$PLAIN_SIF" cat /etc/resolv.conf
        [ "$output" = "$(cat /etc/resolv.conf)" ]
    fi
    run "$HPC" exec "$PLAIN_SIF" grep "^$(whoami):" /etc/passwd
    [ "$output" = "$(whoami):x:$(id -u):$(id -g):$(getent passwd "$(whoami)" | cut -d: -f5):$HOME:/bin/sh" ]
}

@test "the image is read-only" {
    run "$HPC" exec "$PLAIN_SIF" touch /bin/new-file
    [ "$status" -ne 0 ]
    [[ "$output" == *"Read-only file system"* ]]
}

@test "--writable-tmpfs makes the image writable for one run only" {
    run "$HPC" exec --writable-tmpfs "$PLAIN_SIF" sh -c 'echo hi >/bin/new-file && cat /bin/new-file'
    [ "$status" -eq 0 ]
    [ "$output" = "hi" ]
    run "$HPC" exec "$PLAIN_SIF" ls /bin/new-file
    [ "$status" -ne 0 ]
}

@test "--writable writes a directory image" {
    dir=$(scratch_dir)
    cp -a "$APP_DIR" "$dir/sandbox"
    run "$HPC" exec --writable "$dir/sandbox" sh -c 'echo kept >/srv/file'
    [ "$status" -eq 0 ]
    [ "$(cat "$dir/sandbox/srv/file")" = "kept" ]
}

@test "--writable on a SIF is refused with a way out" {
    run -65 "$HPC" exec --writable "$PLAIN_SIF" true
    [ "$output" = "hpc: $PLAIN_SIF: --writable needs a directory (sandbox) image or a SIF with an overlay partition (hpc overlay create); use --writable-tmpfs or --overlay for this one" ]
}

@test "--no-home leaves the home out; --home src:dst moves it" {
    cd /
    run "$HPC" exec --no-home "$PLAIN_SIF" ls "$HOME"
    [ "$status" -ne 0 ]
    dir=$(scratch_dir)
    echo mine >"$dir/file"
    run "$HPC" exec --home "$dir:/work" "$PLAIN_SIF" sh -c 'echo $HOME; cat ~/file'
    [ "$status" -eq 0 ]
    [ "$output" = "/work"$'\n'"mine" ]
}

@test "--contain gives an empty /tmp and home" {
    dir=$(scratch_dir)
    run "$HPC" exec --contain "$PLAIN_SIF" sh -c "ls -A /tmp | wc -l; ls -A ~ | wc -l; test -e $dir || echo gone"
    [ "$status" -eq 0 ]
    [ "$output" = "0"$'\n'"0"$'\n'"gone" ]
}

@test "--no-mount tmp leaves the image's own /tmp" {
    dir=$(scratch_dir)
    run "$HPC" exec --no-mount tmp --pwd / "$PLAIN_SIF" ls "$dir"
    [ "$status" -ne 0 ]
}

@test "--pid: the payload is PID 1 with --no-init, PID 2 under hpc's init" {
    run "$HPC" exec --pid --no-init "$PLAIN_SIF" sh -c 'echo $$'
    [ "$output" = "1" ]
    run "$HPC" exec --pid "$PLAIN_SIF" sh -c 'echo $$'
    [ "$output" = "2" ]
}

@test "--ipc gives a new IPC namespace" {
    run "$HPC" exec --ipc "$PLAIN_SIF" readlink /proc/self/ns/ipc
    [ "$status" -eq 0 ]
    [ "$output" != "$(readlink /proc/self/ns/ipc)" ]
}

@test "--dry-run prints the plan and runs nothing" {
    run "$HPC" exec --dry-run "$PLAIN_SIF" touch "$HOME/should-not-exist"
    [ "$status" -eq 0 ]
    [[ "$output" == *"bind $HOME -> $HOME"* || "$output" == *"-> $HOME  # home"* ]]
    [[ "$output" == *"command: touch $HOME/should-not-exist"* ]]
    [ ! -e "$HOME/should-not-exist" ]
}

@test "the user's terminal is /dev/console in the container" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    run script -qc "'$HPC' exec '$PLAIN_SIF' sh -c 'test -c /dev/console && echo terminal >/dev/console'" /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *terminal* ]]
}

@test "tty, ttyname and /proc/self/fd name the terminal by a path the container has" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    # In the container: tty(1) (ttyname(3)), the links of fds 0-2, whether tty's answer is a
    # character device there, and its device numbers; outside, the terminal's (script's pty).
    local inside='name=$(tty); echo "$name"; for fd in 0 1 2; do readlink /proc/self/fd/$fd; done;'
    inside+=' test -c "$name" && echo device; stat -c %t:%T "$name"'
    for action in exec shell; do
        if [ "$action" = exec ]; then set -- exec "$PLAIN_SIF" sh -c "$inside"; else set -- shell "$PLAIN_SIF" -c "$inside"; fi
        run script -qec "stat -c %t:%T \$(tty); $(printf '%q ' "$HPC" "$@")" /dev/null
        [ "$status" -eq 0 ]
        output=${output//$'\r'/}
        mapfile -t lines <<<"$output"
        local outside=${lines[0]} name=${lines[1]}
        [ "$name" = /dev/console ]
        [ "${lines[2]}" = "$name" ]
        [ "${lines[3]}" = "$name" ]
        [ "${lines[4]}" = "$name" ]
        [ "${lines[5]}" = device ]
        [ "${lines[6]}" = "$outside" ]
    done
}
