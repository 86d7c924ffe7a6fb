#!/usr/bin/env bats
# The options' variables, as Apptainer reads them (APPTAINER_BINDPATH, APPTAINER_CLEANENV=1...):
# the command line first, then HPC_, APPTAINER_ and SINGULARITY_; a variable for an option hpc
# has not got says so in one line.
load common

setup() {
    make_bind_sources
}

@test "APPTAINER_BINDPATH and SINGULARITY_BINDPATH bind data, as APPTAINER_BIND does, after -B's" {
    APPTAINER_BINDPATH="$dir/data:/x" run "$HPC" exec "$PLAIN_SIF" cat /x/file
    [ "$status" -eq 0 ]
    [ "$output" = "data" ]
    SINGULARITY_BINDPATH="$dir/other:/y" run "$HPC" exec "$PLAIN_SIF" cat /y/file
    [ "$status" -eq 0 ]
    [ "$output" = "other" ]
    APPTAINER_BIND="$dir/data:/b" APPTAINER_BINDPATH="$dir/other:/p" \
        run "$HPC" exec -B "$dir/data:/c" "$PLAIN_SIF" cat /c/file /b/file /p/file
    [ "$status" -eq 0 ]
    [ "$output" = "data"$'\n'"data"$'\n'"other" ]
}

@test "APPTAINER_CLEANENV=1 passes no host variables; HPC_CLEANENV=0 overrides it, --cleanenv that" {
    FOO=bar APPTAINER_CLEANENV=1 run "$HPC" exec "$PLAIN_SIF" sh -c 'echo "[$FOO] $LANG"'
    [ "$status" -eq 0 ]
    [ "$output" = "[] C" ]
    FOO=bar SINGULARITY_CLEANENV=true run "$HPC" exec "$PLAIN_SIF" sh -c 'echo "[$FOO]"'
    [ "$output" = "[]" ]
    FOO=bar APPTAINER_CLEANENV=1 HPC_CLEANENV=0 run --separate-stderr "$HPC" exec "$PLAIN_SIF" sh -c 'echo "[$FOO]"'
    [ "$output" = "[bar]" ]
    [ "$stderr" = "hpc: warning: APPTAINER_CLEANENV is ignored: HPC_CLEANENV, set too, takes precedence" ]
    FOO=bar HPC_CLEANENV=0 run "$HPC" exec --cleanenv "$PLAIN_SIF" sh -c 'echo "[$FOO]"'
    [ "$output" = "[]" ]
}

@test "APPTAINER_CONTAINALL=1 contains: a PID namespace, a /tmp of its own, no host variables" {
    touch /tmp/hpc-option-variables-$$
    FOO=bar APPTAINER_CONTAINALL=1 run "$HPC" exec "$PLAIN_SIF" sh -c \
        "echo \$\$ [\$FOO]; test -e /tmp/hpc-option-variables-$$ && echo host /tmp || echo own /tmp"
    rm -f /tmp/hpc-option-variables-$$
    [ "$status" -eq 0 ]
    [ "$output" = "2 []"$'\n'"own /tmp" ]
}

@test "the command line, then HPC_, then APPTAINER_, then SINGULARITY_" {
    pwd_with() { env "$@" "$HPC" exec "$PLAIN_SIF" pwd 2>/dev/null; }
    [ "$(pwd_with SINGULARITY_CWD=/etc)" = /etc ]
    [ "$(pwd_with SINGULARITY_CWD=/etc APPTAINER_CWD=/usr)" = /usr ]
    [ "$(pwd_with SINGULARITY_CWD=/etc APPTAINER_CWD=/usr HPC_CWD=/var)" = /var ]
    run env SINGULARITY_CWD=/etc APPTAINER_CWD=/usr HPC_CWD=/var "$HPC" exec --pwd /opt "$PLAIN_SIF" pwd
    [ "$status" -eq 0 ]
    [ "$output" = /opt ]  # the command line overrides its variables without a word
}

@test "a variable for an option hpc has not got is one warning line, and the command runs" {
    APPTAINER_UNDERLAY=1 run --separate-stderr "$HPC" exec "$PLAIN_SIF" echo ran
    [ "$status" -eq 0 ]
    [ "$output" = ran ]
    [ "$stderr" = "hpc: warning: APPTAINER_UNDERLAY is ignored: hpc exec has no --underlay" ]
    # "No underlay", the container's own variables, and a site's HPC_ variables are no requests.
    APPTAINER_UNDERLAY=0 APPTAINER_CONTAINER=/x.sif APPTAINERENV_NV=1 HPC_SCRATCH=/s \
        run --separate-stderr "$HPC" exec "$PLAIN_SIF" echo ran
    [ "$output" = ran ]
    [ -z "$stderr" ]
}

@test "a value Apptainer refuses is an error naming the variable, before anything runs" {
    APPTAINER_CONTAINALL=yes run -64 "$HPC" exec "$PLAIN_SIF" echo ran
    [ "$output" = "hpc: APPTAINER_CONTAINALL='yes': not a boolean (1, t, true, 0, f, false)" ]
}

@test "APPTAINER_TMPDIR holds the build's work directory, which goes with the build" {
    mkdir "$dir/tmp"
    cat >"$dir/t.def" <<EOF
Bootstrap: localimage
From: $PLAIN_SIF

%setup
    echo "\$APPTAINER_ROOTFS" >"$dir/rootfs"
EOF
    APPTAINER_TMPDIR="$dir/tmp" run "$HPC" build "$dir/t.sif" "$dir/t.def"
    [ "$status" -eq 0 ]
    [[ "$(cat "$dir/rootfs")" == "$dir/tmp/hpc-build."* ]]
    [ -z "$(ls -A "$dir/tmp")" ]
}
