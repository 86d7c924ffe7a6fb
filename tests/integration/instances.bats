#!/usr/bin/env bats
# Instances: containers left running (hpc instance start|run), listed, entered with
# instance://NAME, measured, and stopped, leaving nothing behind: no process, no record that a
# later list shows. A record whose processes have gone is noticed and forgotten.
load common

setup() {
    work=$(scratch_dir)
    cd "$work"
    records=$HOME/.hpc/instances/app/$(hostname)/$(id -un)
    logs=$HOME/.hpc/instances/logs/$(hostname)/$(id -un)
}

teardown() {
    "$HPC" -q instance stop --all --timeout 2 >/dev/null 2>&1 || true
}

# The live processes in the session of an instance's launcher (its "ppid" in the record: the
# launcher starts a session of its own), one pid per line. A launcher that has just ended may be
# a zombie until the process that adopted it reaps it: not counted.
session_of() {  # session_of LAUNCHER_PID
    ps -e -o pid=,sid=,stat= | awk -v sid="$1" '$2 == sid && $3 !~ /^Z/ { print $1 }'
}

record_field() {  # record_field NAME FIELD
    sed -n "s/^[[:space:]]*\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$records/$1.json"
}

# A directory image whose startscript starts busybox httpd on port 80, serving "served".
make_web_image() {
    cp -a "$APP_DIR" web
    cat >web/.singularity.d/startscript <<'SH'
#!/bin/sh
mkdir -p /tmp/www && echo served >/tmp/www/index.html
httpd -p 80 -h /tmp/www
echo "web started with $*"
echo "to stderr" >&2
SH
    chmod 0755 web/.singularity.d/startscript
}

@test "instance start runs the startscript with its arguments, detached; list shows it; its logs hold its output" {
    run "$HPC" instance start "$APP_SIF" first one two
    [ "$status" -eq 0 ]
    [ "$output" = "hpc: instance first started" ]
    run "$HPC" instance list
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^INSTANCE\ NAME\ +PID\ +IP\ +IMAGE$ ]]
    pid=$(record_field first pid)
    [[ "${lines[1]}" =~ ^first\ +$pid\ +$APP_SIF$ ]]
    [ "${#lines[@]}" -eq 2 ]
    [ "$(cat "$logs/first.out")" = startscript ]
    run "$HPC" instance list --logs
    [[ "${lines[0]}" =~ ^INSTANCE\ NAME\ +PID\ +LOGS$ ]]
    [[ "${lines[1]}" == "first            $pid    $logs/first.err" ]]
    [[ "${lines[2]}" == *"    $logs/first.out" ]]
    run "$HPC" instance list --json
    [ "$status" -eq 0 ]
    [ "$(jq -r '.instances[0].instance' <<<"$output")" = first ]
    [ "$(jq -r '.instances[0].pid' <<<"$output")" = "$pid" ]
    [ "$(jq -r '.instances[0].img' <<<"$output")" = "$APP_SIF" ]
    [ "$(jq -r '.instances[0].logOutPath' <<<"$output")" = "$logs/first.out" ]
    [ "$(jq -r '.instances[0].logErrPath' <<<"$output")" = "$logs/first.err" ]
}

@test "exec instance:// runs in the instance's container: its PID namespace, its /tmp, this command's environment" {
    "$HPC" instance start --contain "$APP_SIF" box
    run --separate-stderr "$HPC" exec instance://box sh -c 'echo kept >/tmp/marker; echo $$'
    [ "$status" -eq 0 ]
    [ "$output" -gt 1 ]
    [ "$output" -lt 10 ]  # numbered in the instance's PID namespace, after its init
    run --separate-stderr "$HPC" exec --env GREETING=hi instance://box sh -c 'cat /tmp/marker; echo $GREETING; cat /proc/1/cmdline | tr "\0" " "'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = kept ]
    [ "${lines[1]}" = hi ]
    [[ "${lines[2]}" == *"instance start --contain"* ]]  # hpc is the instance's init
    [ ! -e /tmp/marker ]
    run --separate-stderr "$HPC" run instance://box arg
    [ "$status" -eq 0 ]
    [[ "$output" == *"arg"* ]]
    run "$HPC" exec instance://box sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run "$HPC" inspect --startscript instance://box
    [ "$output" = '#!/bin/sh'$'\n''echo "startscript"' ]
    run "$HPC" run-help instance://box
    [ "$status" -eq 0 ]
}

@test "options that make a container are the instance's when entering it: said once, ignored" {
    "$HPC" instance start "$APP_SIF" opts
    run --separate-stderr "$HPC" exec -B /etc:/mnt --nv instance://opts true
    [ "$status" -eq 0 ]
    [ "$stderr" = "hpc: warning: instance://opts has its own mounts, namespaces and devices: --bind, --nv/--rocm/--device ignored" ]
}

@test "an instance serves HTTP on a slirp port map, reached from the host" {
    make_web_image
    port=$((20000 + RANDOM % 12000))
    run "$HPC" instance start --contain --network slirp --network-args "portmap=$port:80/tcp" web web x
    [ "$status" -eq 0 ]
    answer=
    for _ in $(seq 50); do
        answer=$(busybox wget -q -O - "http://127.0.0.1:$port/" 2>/dev/null) && [ -n "$answer" ] && break
        sleep 0.1
    done
    [ "$answer" = served ]
    run "$HPC" instance list
    [[ "${lines[1]}" =~ ^web\ +[0-9]+\ +10\.0\.2\.100\ +$work/web$ ]]
    [ "$(cat "$logs/web.out")" = "web started with x" ]
    [ "$(tail -n 1 "$logs/web.err")" = "to stderr" ]  # after the launcher's warning: --contain has no $work
    launcher=$(record_field web ppid)
    "$HPC" instance stop web
    [ -z "$(session_of "$launcher")" ]
    [ -z "$(pgrep -u "$(id -u)" -x httpd || true)" ]
    [ -z "$(pgrep -u "$(id -u)" -x slirp4netns || true)" ]
    run busybox wget -q -O - "http://127.0.0.1:$port/"
    [ "$status" -ne 0 ]
}

@test "instance stop leaves no process and no record; the name is free again" {
    make_web_image
    "$HPC" instance start --contain --network none web gone
    launcher=$(record_field gone ppid)
    [ -n "$(session_of "$launcher")" ]
    run "$HPC" instance stop gone
    [ "$status" -eq 0 ]
    [[ "$output" == "hpc: stopping instance gone (PID "*")" ]]
    [ -z "$(session_of "$launcher")" ]
    [ -z "$(pgrep -u "$(id -u)" -x httpd || true)" ]
    [ ! -e "$records/gone.json" ]
    [ ! -e "$records/gone.lock" ]
    run "$HPC" instance list
    [ "${#lines[@]}" -eq 1 ]
    run "$HPC" exec instance://gone true
    [ "$status" -eq 66 ]
    [ "$output" = "hpc: instance gone: not running (hpc instance list shows those that are)" ]
    run "$HPC" instance start --contain --network none web gone
    [ "$status" -eq 0 ]
}

@test "SIGKILL of every process of an instance: a later list notices and forgets it" {
    make_web_image
    "$HPC" instance start --contain --network none web killed
    launcher=$(record_field killed ppid)
    kill -KILL $(session_of "$launcher")
    for _ in $(seq 50); do [ -z "$(session_of "$launcher")" ] && break; sleep 0.1; done
    [ -z "$(session_of "$launcher")" ]
    [ -z "$(pgrep -u "$(id -u)" -x httpd || true)" ]
    [ -e "$records/killed.json" ]  # nothing removed it: the launcher was killed
    run "$HPC" instance list
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [ ! -e "$records/killed.json" ]
    [ ! -e "$records/killed.lock" ]
    run "$HPC" exec instance://killed true
    [ "$status" -eq 66 ]
}

@test "a record nothing holds (a reboot's leftover) is never trusted, even naming a live process" {
    mkdir -p "$records"
    sleep 1000 &
    decoy=$!
    cat >"$records/ghost.json" <<EOF
{"name": "ghost", "user": "$(id -un)", "pid": $decoy, "pidStart": 1, "ppid": $decoy, "ppidStart": 1,
 "image": "$APP_SIF", "ip": "", "logOutPath": "", "logErrPath": "", "fakeroot": false, "slurmJob": "", "started": 0}
EOF
    run "$HPC" instance stop ghost
    [ "$status" -eq 66 ]
    kill -0 "$decoy"  # not signalled
    kill "$decoy"
    [ ! -e "$records/ghost.json" ]
}

@test "an image without a startscript: the instance waits, and commands run in it" {
    run "$HPC" instance start "$PLAIN_SIF" idle
    [ "$status" -eq 0 ]
    run "$HPC" exec instance://idle sh -c 'ps -o pid,args | wc -l'
    [ "$status" -eq 0 ]
    [ "$output" -eq 5 ]  # the header, the init, sh, ps and wc
}

@test "instance run runs the runscript with its arguments" {
    run "$HPC" instance run "$APP_SIF" runner a b
    [ "$status" -eq 0 ]
    for _ in $(seq 50); do [ -s "$logs/runner.out" ] && break; sleep 0.1; done
    [[ "$(cat "$logs/runner.out")" == *"a b"* ]]
    run "$HPC" instance list runner
    [ "${#lines[@]}" -eq 2 ]
}

@test "--fakeroot --writable-tmpfs instances: root inside, for the commands entering them too, writing the image's root" {
    run "$HPC" instance start --fakeroot --writable-tmpfs "$APP_SIF" rooted
    [ "$status" -eq 0 ]
    run "$HPC" exec instance://rooted sh -c 'id -u; touch /made-inside'
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
    run "$HPC" exec instance://rooted ls /made-inside
    [ "$status" -eq 0 ]
    run "$HPC" exec "$APP_SIF" ls /made-inside  # the instance's layer, not the image's
    [ "$status" -ne 0 ]
}

@test "--pid-file holds the instance's PID, as list shows it" {
    "$HPC" instance start --pid-file "$work/pid" "$APP_SIF" withpid
    [ "$(cat pid)" = "$(record_field withpid pid)" ]
    [ "$(cat /proc/"$(cat pid)"/comm)" = hpc ]
}

@test "stop takes a pattern, or --all" {
    for name in a1 a2 b1; do "$HPC" instance start "$PLAIN_SIF" "$name"; done
    run "$HPC" instance stop 'a*'
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    run "$HPC" instance list
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" == b1* ]]
    run "$HPC" instance stop --all
    [ "$status" -eq 0 ]
    run "$HPC" instance list
    [ "${#lines[@]}" -eq 1 ]
}

@test "stop --signal, and --timeout's SIGKILL for an instance that ignores it" {
    cp -a "$APP_DIR" stubborn
    printf '#!/bin/sh\ntrap "" TERM INT\nsleep 1000 &\n' >stubborn/.singularity.d/startscript
    "$HPC" instance start stubborn hard
    launcher=$(record_field hard ppid)
    start=$(date +%s%N)
    run "$HPC" instance stop --timeout 1 hard
    elapsed=$((($(date +%s%N) - start) / 1000000))
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "hpc: killing instance hard: still running after 1 s" ]
    [ "$elapsed" -ge 1000 ]
    [ -z "$(session_of "$launcher")" ]
    "$HPC" instance start "$APP_SIF" soft
    run "$HPC" instance stop --signal NOPE soft
    [ "$status" -eq 64 ]
    [ "$output" = "hpc: --signal NOPE: not a signal (a name such as TERM or a number)" ]
    run "$HPC" instance stop --signal SIGUSR1 soft  # any signal asks the instance to stop
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
}

@test "instance stats: CPU, memory, block I/O and processes of the instance" {
    make_web_image
    "$HPC" instance start --contain --network none web measured
    run "$HPC" instance stats --no-stream measured
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^INSTANCE\ NAME\ +CPU\ USAGE\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +BLOCK\ I/O\ +PIDS$ ]]
    [[ "${lines[1]}" =~ ^measured\ +[0-9.]+%\ +[0-9.]+[KMG]?i?B\ /\ [0-9.]+GiB\ +[0-9.]+%\ +.*\ 2$ ]]  # init and httpd
    run "$HPC" instance stats --json measured
    [ "$(jq -r .pids <<<"$output")" = 2 ]
    [ "$(jq -r '.memory.bytes > 0' <<<"$output")" = true ]
    run "$HPC" instance stats nothing
    [ "$status" -eq 66 ]
}

@test "bad input: one line, a documented code, nothing started" {
    run "$HPC" instance start "$APP_SIF" 'bad/name'
    [ "$status" -eq 64 ]
    [ "$output" = "hpc: bad/name: not a valid instance name (only letters, digits, '.', '_' and '-' are allowed)" ]
    run "$HPC" instance start "$work/missing.sif" m
    [ "$status" -eq 66 ]
    [[ "$output" == "hpc: $work/missing.sif: "* ]]
    [ "${#lines[@]}" -eq 1 ]
    run "$HPC" instance start -B /nonexistent-source "$APP_SIF" m
    [ "$status" -eq 66 ]
    [ "${#lines[@]}" -eq 1 ]
    run "$HPC" instance start "$APP_SIF"
    [ "$status" -eq 64 ]
    "$HPC" instance start "$APP_SIF" twice
    run "$HPC" instance start "$APP_SIF" twice
    [ "$status" -eq 75 ]
    [ "$output" = "hpc: instance twice: running already (hpc instance stop twice ends it)" ]
    run "$HPC" instance stop
    [ "$status" -eq 64 ]
    run "$HPC" instance stop nothing-here
    [ "$status" -eq 66 ]
    run "$HPC" instance list --user root
    [ "$status" -eq 77 ]
    run "$HPC" instance list
    [ "${#lines[@]}" -eq 2 ]
}
