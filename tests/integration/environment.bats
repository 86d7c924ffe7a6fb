#!/usr/bin/env bats
# Apptainer's environment semantics (its e2e/env/env.go is the spec), case by case.
load common

# env_is IMAGE NAME EXPECTED [hpc options...]: the value the container sees
env_is() {
    local image=$1 name=$2 expected=$3
    shift 3
    run --separate-stderr "$HPC" exec "$@" "$image" /bin/sh -c "echo \"\${$name}\""
    [ "$status" -eq 0 ]
    if [ "$output" != "$expected" ]; then
        echo "$name: expected [$expected], got [$output]" >&2
        return 1
    fi
}

@test "PATH is the default, or the image's" {
    env_is "$PLAIN_SIF" PATH "$DEFAULT_PATH"
    env_is "$APP_SIF" PATH "$IMAGE_PATH"
}

@test "APPEND_PATH, PREPEND_PATH and PATH from the host's APPTAINERENV_" {
    APPTAINERENV_APPEND_PATH=/foo env_is "$PLAIN_SIF" PATH "$DEFAULT_PATH:/foo"
    APPTAINERENV_APPEND_PATH=/foo env_is "$APP_SIF" PATH "$IMAGE_PATH:/foo"
    APPTAINERENV_PREPEND_PATH=/foo env_is "$APP_SIF" PATH "/foo:$IMAGE_PATH"
    APPTAINERENV_PATH=/usr/bin:/bin env_is "$APP_SIF" PATH "/usr/bin:/bin"
    APPTAINERENV_PATH=/usr/bin:/bin, env_is "$PLAIN_SIF" PATH "/usr/bin:/bin,"
}

@test "--env sets variables, evaluated after the image's scripts" {
    env_is "$PLAIN_SIF" PATH / --env PATH=/
    env_is "$APP_SIF" PATH "$IMAGE_PATH:/foo" --env APPEND_PATH=/foo
    env_is "$APP_SIF" PATH "$IMAGE_PATH:/foo" --env 'PATH=$PATH:/foo'
    env_is "$APP_SIF" PATH "/foo:$IMAGE_PATH" --env 'PATH=/foo:$PATH'
    env_is "$APP_SIF" CGO_ENABLED 1 --env CGO_ENABLED=1
    env_is "$APP_SIF" CGO_ENABLED "" --env CGO_ENABLED=
    env_is "$APP_SIF" A 1 --env A=1,B=2
    env_is "$APP_SIF" B 2 --env A=1,B=2
}

@test "the image's scripts win over the host, the user's values over both" {
    CGO_ENABLED=1 env_is "$APP_SIF" CGO_ENABLED 0
    APPTAINERENV_CGO_ENABLED=1 env_is "$APP_SIF" CGO_ENABLED 1
    APPTAINERENV_CGO_ENABLED=1 env_is "$APP_SIF" CGO_ENABLED 2 --env CGO_ENABLED=2
    FOO=bar env_is "$APP_SIF" FOO foo --env FOO=foo
    SINGULARITYENV_X=s env_is "$PLAIN_SIF" X s
    SINGULARITYENV_X=s APPTAINERENV_X=a env_is "$PLAIN_SIF" X a
    [ "$stderr" = "hpc: warning: SINGULARITYENV_X is ignored: APPTAINERENV_X already sets X" ]
    APPTAINERENV_X=a HPCENV_X=h env_is "$PLAIN_SIF" X h
}

@test "host variables pass, except HOME, PATH and the runtime's own settings" {
    FOO=bar env_is "$PLAIN_SIF" FOO bar
    APPTAINER_SOMETHING=x env_is "$PLAIN_SIF" APPTAINER_SOMETHING ""
    HPC_SOMETHING=x env_is "$PLAIN_SIF" HPC_SOMETHING ""
    env_is "$PLAIN_SIF" HOME "$HOME"
}

@test "multi-line values and escaped newlines survive" {
    MULTI=$'Hello\nWorld' env_is "$APP_SIF" MULTI $'Hello\nWorld'
    ESCAPED='Hello\nWorld' env_is "$APP_SIF" ESCAPED 'Hello\nWorld'
}

@test "a host variable whose name is no identifier is dropped quietly" {
    run env 'BASH_FUNC_ml%%=TEST' "$HPC" exec "$APP_SIF" /bin/sh -c 'env | grep -c BASH_FUNC || true'
    [ "$status" -eq 0 ]
    [ "$output" = "0" ]
}

@test "--cleanenv passes only TERM and the proxies, and sets LANG=C" {
    FOO=bar http_proxy=http://proxy:3128 env_is "$PLAIN_SIF" FOO "" --cleanenv
    FOO=bar http_proxy=http://proxy:3128 env_is "$PLAIN_SIF" http_proxy http://proxy:3128 --cleanenv
    env_is "$PLAIN_SIF" LANG C --cleanenv
}

@test "values are evaluated by the container's shell, and kept literal with --no-eval" {
    uid=$(id -u)
    APPTAINERENV_WHO=ME env_is "$APP_SIF" WHO ME
    APPTAINERENV_WHO='$UID' env_is "$APP_SIF" WHO "$uid"
    APPTAINERENV_WHO='"$UID"' env_is "$APP_SIF" WHO "\"$uid\""
    APPTAINERENV_WHO="'\$UID'" env_is "$APP_SIF" WHO "'$uid'"
    APPTAINERENV_WHO='\$UID' env_is "$APP_SIF" WHO '$UID'
    APPTAINERENV_WHO='$(id -u)' env_is "$APP_SIF" WHO "$uid"
    APPTAINERENV_WHO='\$(id -u)' env_is "$APP_SIF" WHO '$(id -u)'
    APPTAINERENV_WHO='$UID' env_is "$APP_SIF" WHO '$UID' --no-eval
    APPTAINERENV_WHO='"$(id -u)"' env_is "$APP_SIF" WHO '"$(id -u)"' --no-eval
    APPTAINERENV_WHO='\$UID' env_is "$APP_SIF" WHO '\$UID' --no-eval
    APPTAINERENV_LD_PRELOAD='/foo/bar/\$LIB/baz.so' env_is "$APP_SIF" LD_PRELOAD '/foo/bar/$LIB/baz.so'
}

@test "--env-file, with --env taking precedence" {
    dir=$(scratch_dir)
    printf 'PATH=/\n' >"$dir/one"
    printf 'PATH=/etc\n' >"$dir/two"
    printf 'PATH="\\$PATH:/"\n' >"$dir/append"
    printf 'LD_LIBRARY_PATH=/foo\n' >"$dir/ld"
    env_is "$APP_SIF" PATH / --env-file "$dir/one"
    env_is "$APP_SIF" PATH /etc --env-file "$dir/one" --env-file "$dir/two"
    env_is "$APP_SIF" PATH /etc --env PATH=/etc --env-file "$dir/one"
    env_is "$APP_SIF" PATH "$IMAGE_PATH:/" --env-file "$dir/append"
    env_is "$APP_SIF" LD_LIBRARY_PATH "/foo:/.singularity.d/libs" --env-file "$dir/ld"
    env_is "$APP_SIF" LD_LIBRARY_PATH "/.singularity.d/libs"
}

@test "an env file that cannot be read or parsed: one line naming it" {
    run -66 "$HPC" exec --env-file /nonexistent "$PLAIN_SIF" true
    [ "$output" = "hpc: --env-file /nonexistent: No such file or directory" ]
    dir=$(scratch_dir)
    printf 'GOOD=1\nBAD="unterminated\n' >"$dir/bad"
    run -64 "$HPC" exec --env-file "$dir/bad" "$PLAIN_SIF" true
    [[ "$output" == "hpc: $dir/bad:2: "* ]]
    [ "${#lines[@]}" -eq 1 ]
}

# Each runs under timeout, so that a launcher that waits on the file fails the test instead of
# hanging it; every one used to hang, grow or pass.
@test "--env-file takes regular files only, named with the cause" {
    dir=$(scratch_dir)
    run -64 timeout 10 "$HPC" exec --env-file /dev/zero "$PLAIN_SIF" true
    [ "$output" = "hpc: --env-file /dev/zero: not a regular file" ]
    mkfifo "$dir/fifo"
    run -64 timeout 10 "$HPC" exec --env-file "$dir/fifo" "$PLAIN_SIF" true
    [ "$output" = "hpc: --env-file $dir/fifo: not a regular file" ]
    run -64 timeout 10 "$HPC" exec --env-file "$dir" "$PLAIN_SIF" true
    [ "$output" = "hpc: --env-file $dir: not a regular file" ]
    printf 'A=1\n' >"$dir/secret"
    chmod 000 "$dir/secret"
    run -77 timeout 10 "$HPC" exec --env-file "$dir/secret" "$PLAIN_SIF" true
    [ "$output" = "hpc: --env-file $dir/secret: Permission denied" ]
}

@test "--env-file reads at most 1 MiB" {
    dir=$(scratch_dir)
    { printf 'A=1\n'; head -c $((1048576 - 4)) /dev/zero | tr '\0' '#'; } >"$dir/largest"
    env_is "$PLAIN_SIF" A 1 --env-file "$dir/largest"
    { cat "$dir/largest"; printf '#'; } >"$dir/large"
    run -64 timeout 10 "$HPC" exec --env-file "$dir/large" "$PLAIN_SIF" true
    [ "$output" = "hpc: --env-file $dir/large: larger than 1048576 bytes" ]
}

@test "substitutions nested 200,000 deep in --env-file or --env: one line, no crash" {
    dir=$(scratch_dir)
    printf 'A=%s\n' "$(printf '$(%.0s' $(seq 200000))" >"$dir/deep"
    run -64 timeout 10 "$HPC" exec --env-file "$dir/deep" "$PLAIN_SIF" true
    [ "$output" = "hpc: $dir/deep:1: '\$(' holds quotes and substitutions nested more than 64 deep" ]
    # One argument holds at most 128 KiB (MAX_ARG_STRLEN): 60,000 levels, which overflowed a
    # 1 MiB stack.
    value="A=$(printf '${%.0s' $(seq 60000))"
    run -64 bash -c 'ulimit -s 1024 && exec timeout 10 "$0" exec --env "$1" "$2" true' "$HPC" "$value" "$PLAIN_SIF"
    [ "$output" = "hpc: --env A: the container's shell cannot evaluate the value of A: '\${' holds quotes and substitutions nested more than 64 deep (write \\\$ for a literal \$, or use --no-eval)" ]
}

@test "the container knows its image" {
    env_is "$APP_SIF" APPTAINER_CONTAINER "$APP_SIF"
    env_is "$APP_SIF" APPTAINER_NAME app.sif
}
