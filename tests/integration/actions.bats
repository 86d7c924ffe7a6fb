#!/usr/bin/env bats
# run, shell and test, and the flags shared by every action.
load common

@test "run executes the runscript with the arguments" {
    run "$HPC" run "$APP_SIF" one "two words"
    [ "$status" -eq 0 ]
    [ "$output" = "runscript args: one two words" ]
}

@test "a SIF runs as a program: its header's run-singularity is hpc run" {
    # The build makes the link beside hpc; tests/integration/run copies it beside the copy.
    [ -L "$(dirname "$HPC")/run-singularity" ] || { echo "no run-singularity beside $HPC" >&2; false; }
    PATH=$(dirname "$HPC"):$PATH
    cd "$(scratch_dir)"
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%runscript\n    echo "${GREETING:-hello}: $*"\n    exit 3\n' \
        "$PLAIN_SIF" >exit.def
    "$HPC" build exit.sif exit.def
    [ "$(head -c 31 exit.sif)" = "#!/usr/bin/env run-singularity" ]
    run -3 ./exit.sif one "two words"
    [ "$output" = "hello: one two words" ]
    # Options before the image are run's, as with Apptainer's script.
    run -3 run-singularity --env GREETING=hi exit.sif x
    [ "$output" = "hi: x" ]
    run -64 run-singularity
}

@test "run on an image without a runscript runs /bin/sh, saying so" {
    run "$HPC" run "$PLAIN_SIF" -c 'echo from sh'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "hpc: no runscript in the image, running /bin/sh" ]
    [ "${lines[1]}" = "from sh" ]
}

@test "shell starts the image's shell, or the one --shell names" {
    run bash -c "echo 'echo in the shell: \$0' | '$HPC' shell '$PLAIN_SIF'"
    [ "$status" -eq 0 ]
    [ "$output" = "in the shell: /bin/sh" ]
    run "$HPC" shell --shell /bin/ash "$PLAIN_SIF" -c 'echo $0'
    [ "$output" = "/bin/ash" ]
}

@test "test runs the image's test script" {
    run "$HPC" test "$APP_SIF"
    [ "$status" -eq 0 ]
    [ "$output" = "test script ran" ]
}

@test "usage errors exit 64 with one line" {
    run -64 "$HPC" exec "$PLAIN_SIF"
    [ "$output" = "hpc: exec needs a command to run in the image" ]
    run -64 "$HPC" exec --bogus "$PLAIN_SIF" true
    [ "$output" = "hpc: exec: unknown option --bogus (see hpc exec --help)" ]
    run -64 "$HPC" exec --no-mount everything "$PLAIN_SIF" true
    [ "$output" = "hpc: --no-mount everything: not a mount hpc makes" ]
    run -64 "$HPC" bogus
    [ "$output" = "hpc: bogus: not an hpc command; hpc has exec, run, shell, test, build, pull, push, inspect, run-help, config, cache, overlay, instance, slurm, completion, version, help (see hpc --help)" ]
    run -64 "$HPC" exec --pwd
    [ "$output" = "hpc: exec: --pwd: 1 required TEXT missing (see hpc exec --help)" ]
    run -64 "$HPC"
    [ "${#lines[@]}" -eq 1 ]
}
