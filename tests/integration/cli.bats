#!/usr/bin/env bats
# The command line itself: the global options before the command, what hpc says of commands,
# options and image sources it has not got, and the help of every command.
load common

# A warning every launch of PLAIN_SIF gives (a host variable for the container that cannot be one).
warn_exec() {  # warn_exec [GLOBAL OPTIONS...]
    APPTAINERENV_1X=y run --separate-stderr "$HPC" "$@" exec "$PLAIN_SIF" echo payload
}
WARNING="hpc: warning: APPTAINERENV_1X is ignored: '1X' is not a valid variable name"
NOTICE="hpc: no runscript in the image, running /bin/sh"

@test "without global options: notices and warnings" {
    run --separate-stderr "$HPC" run "$PLAIN_SIF" -c 'echo payload'
    [ "$status" -eq 0 ] && [ "$output" = payload ] && [ "$stderr" = "$NOTICE" ]
    warn_exec
    [ "$status" -eq 0 ] && [ "$output" = payload ] && [ "$stderr" = "$WARNING" ]
}

@test "-q and --quiet leave out notices, not warnings" {
    for option in -q --quiet; do
        run --separate-stderr "$HPC" "$option" run "$PLAIN_SIF" -c 'echo payload'
        [ "$status" -eq 0 ] && [ "$output" = payload ] && [ "$stderr" = "" ]
        warn_exec "$option"
        [ "$status" -eq 0 ] && [ "$output" = payload ] && [ "$stderr" = "$WARNING" ]
    done
}

@test "-s and --silent leave out notices and warnings, not errors" {
    for option in -s --silent; do
        run --separate-stderr "$HPC" "$option" run "$PLAIN_SIF" -c 'echo payload'
        [ "$status" -eq 0 ] && [ "$output" = payload ] && [ "$stderr" = "" ]
        warn_exec "$option"
        [ "$status" -eq 0 ] && [ "$output" = payload ] && [ "$stderr" = "" ]
        run --separate-stderr -66 "$HPC" "$option" exec ./no-such.sif true
        [ "$stderr" = "hpc: ./no-such.sif: open: No such file or directory" ]
    done
}

@test "-q quiets a build's notices" {
    cd "$(scratch_dir)"
    run --separate-stderr "$HPC" build loud.sif "$APP_DIR"
    [ "$status" -eq 0 ] && grep -q '^hpc: .*loud.sif' <<<"$stderr"
    run --separate-stderr "$HPC" -q build quiet.sif "$APP_DIR"
    [ "$status" -eq 0 ] && [ "$stderr" = "" ] && [ -f quiet.sif ]
}

@test "-v and --verbose before the command are the action's own -v: the plan, then what the server did" {
    for option in -v --verbose; do
        # (A launcher that serves by itself says what its server did; one that joins has none.)
        run --separate-stderr "$HPC" "$option" exec --no-share "$PLAIN_SIF" echo payload
        [ "$status" -eq 0 ] && [ "$output" = payload ]
        grep -q '^user namespace: uid ' <<<"$stderr"
        grep -q '^hpc: served [0-9]* reads' <<<"$stderr"
        ! grep -q 'hpc: debug:' <<<"$stderr"
    done
    run --separate-stderr "$HPC" exec -v "$PLAIN_SIF" echo payload
    grep -q '^user namespace: uid ' <<<"$stderr"
}

@test "-d and --debug: -v's output and debug lines" {
    for option in -d --debug; do
        run --separate-stderr "$HPC" "$option" exec "$PLAIN_SIF" echo payload
        [ "$status" -eq 0 ] && [ "$output" = payload ]
        grep -qx "hpc: debug: image $PLAIN_SIF: sif" <<<"$stderr"
        grep -q '^hpc: debug: hpc [0-9.]*, run as: .* exec ' <<<"$stderr"
        grep -q '^user namespace: uid ' <<<"$stderr"
    done
    # Commands that do not launch say what they ran as, too.
    run --separate-stderr "$HPC" -d inspect "$APP_SIF"
    [ "$status" -eq 0 ] && grep -q '^hpc: debug: hpc [0-9.]*, run as: .* inspect ' <<<"$stderr"
}

@test "--nocolor is accepted and changes nothing: hpc prints no colour" {
    run --separate-stderr "$HPC" run "$PLAIN_SIF" -c 'echo payload'
    local plain_out=$output plain_err=$stderr
    run --separate-stderr "$HPC" --nocolor run "$PLAIN_SIF" -c 'echo payload'
    [ "$status" -eq 0 ] && [ "$output" = "$plain_out" ] && [ "$stderr" = "$plain_err" ]
    ! grep -q $'\e' <<<"$stderr"
}

@test "several global options: Apptainer's precedence, --debug, --verbose, --quiet, --silent" {
    warn_exec -s -q        # --quiet over --silent: the warning is said
    [ "$stderr" = "$WARNING" ]
    warn_exec -s -v        # --verbose over --silent: the plan too
    grep -qx "$WARNING" <<<"$stderr" && grep -q '^user namespace: ' <<<"$stderr"
    warn_exec -q -d
    grep -q '^hpc: debug: ' <<<"$stderr"
}

@test "a global option after the command is refused, saying where it goes" {
    run -64 "$HPC" exec -q "$PLAIN_SIF" true
    [ "$output" = "hpc: exec: -q is a global option: put it before the command (see hpc --help)" ]
    run -64 "$HPC" build --silent x.sif "$APP_DIR"
    [ "$output" = "hpc: build: --silent is a global option: put it before the command (see hpc --help)" ]
}

@test "Apptainer's commands hpc has not got: one line each, hpc's answer, exit 64" {
    run -64 "$HPC" search ubuntu
    [ "$output" = "hpc: search: hpc reaches registries through docker:// and oras:// images alone (hpc pull, hpc push, hpc exec docker://...); Sylabs' library://, shub:// and the other transports are not in hpc" ]
    for command in oras delete; do
        run -64 "$HPC" "$command" x
        [[ "$output" = "hpc: $command: hpc reaches registries through docker:// and oras:// images alone "* ]] &&
            [ "${#lines[@]}" -eq 1 ]
    done
    for command in remote registry; do
        run -64 "$HPC" "$command" login x
        [[ "$output" = "hpc: $command: hpc keeps no registry accounts: credentials come from ~/.docker/config.json "* ]] &&
            [ "${#lines[@]}" -eq 1 ]
    done
    for command in instance sign verify key keyserver plugin capability checkpoint oci; do
        run -64 "$HPC" "$command" x y
        [[ "$output" = "hpc: $command: "*" not in hpc yet"* ]] && [ "${#lines[@]}" -eq 1 ]
    done
    run -64 "$HPC" sif list "$APP_SIF"
    [ "$output" = "hpc: sif: not in hpc: siftool (Debian's package siftool) is the same tool" ]
    run -64 "$HPC" config global --set a b
    [ "$output" = "hpc: config global: hpc's site configuration is a TOML file of root's: hpc config check shows it" ]
    run -64 "$HPC" config fakeroot --add someone
    [[ "$output" = "hpc: config fakeroot: hpc --fakeroot uses the subordinate ids of /etc/subuid and /etc/subgid "* ]]
}

@test "version prints the version alone, as Apptainer's does; --version names hpc" {
    run --separate-stderr "$HPC" version
    [ "$status" -eq 0 ] && [ "$output" = "$(sed -n 's/^hpc //p' <<<"$("$HPC" --version)")" ] && [ "$stderr" = "" ]
    [[ "$output" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
    run -64 "$HPC" version extra
    [ "$output" = "hpc: version: unexpected argument 'extra' (see hpc version --help)" ]
}

@test "a command neither hpc nor Apptainer has: the commands there are" {
    run -64 "$HPC" bogus
    [ "$output" = "hpc: bogus: not an hpc command; hpc has exec, run, shell, test, build, pull, push, inspect, run-help, config, cache, overlay, instance, slurm, completion, version, help (see hpc --help)" ]
    run -64 "$HPC" config bogus
    [ "$output" = "hpc: config bogus: not an hpc command; hpc config has check (see hpc config --help)" ]
    run -64 "$HPC"
    [ "$output" = "hpc: no command given: exec, run, shell, test, build, pull, push, inspect, run-help, config, cache, overlay, instance, slurm, completion, version, help (see hpc --help)" ]
    run -64 "$HPC" slurm
    [ "$output" = "hpc: slurm: no subcommand given: prolog, epilog (see hpc slurm --help)" ]
}

@test "an image from a registry hpc does not reach: what hpc runs instead, before anything is made" {
    cd "$(scratch_dir)"
    local registries="hpc reaches registries through docker:// and oras:// images alone (hpc pull, hpc push, hpc exec docker://...); Sylabs' library://, shub:// and the other transports are not in hpc"
    run -64 "$HPC" run library://alpine
    [ "$output" = "hpc: library://alpine: $registries" ]
    run -64 "$HPC" shell shub://x/y
    [ "$output" = "hpc: shub://x/y: $registries" ]
    # A docker:// or oras:// reference that is none: said before any request.
    run -64 "$HPC" exec docker://Ubuntu/X true
    [[ "$output" = "hpc: "*"docker://Ubuntu/X"* ]] && [ "${#lines[@]}" -eq 1 ]
    run -64 "$HPC" inspect https://example.org/app.sif
    [ "$output" = "hpc: https://example.org/app.sif: $registries" ]
    run -64 "$HPC" build app.sif library://ubuntu
    [ "$output" = "hpc: library://ubuntu: $registries" ]
    [ ! -e app.sif ]
}

@test "an unknown option: named, with the command's help, or hpc's answer for Apptainer's" {
    run -64 "$HPC" exec --bogus "$PLAIN_SIF" true
    [ "$output" = "hpc: exec: unknown option --bogus (see hpc exec --help)" ]
    run -64 "$HPC" build --bogus=1 x.sif "$APP_DIR"
    [ "$output" = "hpc: build: unknown option --bogus (see hpc build --help)" ]
    run -64 "$HPC" inspect --bogus "$APP_SIF"
    [ "$output" = "hpc: inspect: unknown option --bogus (see hpc inspect --help)" ]
    run -64 "$HPC" config check --bogus
    [ "$output" = "hpc: config check: unknown option --bogus (see hpc config check --help)" ]
    run -64 "$HPC" --bogus exec "$PLAIN_SIF" true
    [ "$output" = "hpc: unknown option --bogus (see hpc --help)" ]
    run -64 "$HPC" exec --add-caps=CAP_NET_RAW "$APP_SIF" true
    [ "$output" = "hpc: exec: --add-caps: single capabilities are not in hpc yet: root in the container (--fakeroot) holds every capability of its user namespace and none on the host; --no-privs drops them all (see hpc exec --help)" ]
    run -64 "$HPC" build a.sif "$APP_DIR" extra
    [ "$output" = "hpc: build: unexpected argument 'extra' (see hpc build --help)" ]
    run -64 "$HPC" exec --pwd
    [ "$output" = "hpc: exec: --pwd: 1 required TEXT missing (see hpc exec --help)" ]
}

@test "hpc help COMMAND is hpc COMMAND --help; hpc help is hpc --help" {
    run "$HPC" exec --help
    [ "$status" -eq 0 ]
    local exec_help=$output
    run "$HPC" help exec
    [ "$status" -eq 0 ] && [ "$output" = "$exec_help" ]
    [ "${lines[0]}" = "Usage: hpc exec [options] IMAGE COMMAND [ARGS...]" ]
    grep -qx 'Examples:' <<<"$output"
    # Words after the command are never run.
    run "$HPC" help exec "$PLAIN_SIF" echo ran
    [ "$status" -eq 0 ] && [ "$output" = "$exec_help" ]
    run "$HPC" --help
    local hpc_help=$output
    run "$HPC" help
    [ "$status" -eq 0 ] && [ "$output" = "$hpc_help" ]
    run "$HPC" config check --help
    local check_help=$output
    run "$HPC" help config check
    [ "$output" = "$check_help" ] && [ "${lines[0]}" = "Usage: hpc config check [FILE]" ]
    run -64 "$HPC" help oras
    [[ "$output" = "hpc: oras: hpc reaches registries through docker:// and oras:// images alone"* ]]
}

@test "every command's --help: usage, every option, examples" {
    run "$HPC" --help
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Usage: hpc [global options] COMMAND [options] [ARGS...]" ]
    for option in -q,--quiet -s,--silent -d,--debug -v,--verbose --nocolor --version; do
        grep -q "^  $option " <<<"$output"
    done
    local commands
    commands=$(sed -n '/^Commands:$/,/^$/p' <<<"$output" | awk 'NR > 1 && NF { print $1 }')
    [ "$(wc -w <<<"$commands")" -ge 9 ]
    for command in $commands "config check" "cache list" "cache clean" "overlay create" "slurm prolog" "slurm epilog"; do
        # shellcheck disable=SC2086
        run "$HPC" $command --help
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" = "Usage: hpc $command"* ]] || { echo "$command: ${lines[0]}"; false; }
        grep -A1 -x 'Examples:' <<<"$output" | tail -1 | grep -q '^  [[:alnum:]]'
        grep -q -- '^  -h,--help ' <<<"$output"
    done
    run "$HPC" exec --help
    for option in -B,--bind --mount -H,--home -c,--contain -C,--containall -e,--cleanenv --env --env-file \
        --pwd,--cwd --no-mount -p,--pid -w,--writable --writable-tmpfs -f,--fakeroot --dry-run -v,--verbose; do
        grep -q -- "^  $option " <<<"$output"
    done
    run "$HPC" shell --help
    grep -q -- '^  -s,--shell ' <<<"$output"
    run "$HPC" build --help
    [ "${lines[0]}" = "Usage: hpc build [options] DEST SOURCE" ]
    for option in -s,--sandbox -F,--force -T,--notest -f,--fakeroot --compression -B,--bind --build-arg; do
        grep -q -- "^  $option " <<<"$output"
    done
}
