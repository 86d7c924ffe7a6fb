#!/usr/bin/env bats
# Apptainer's -S/--scratch and -W/--workdir (its layout below WORKDIR), --keep-privs, and the
# answers for Apptainer's options hpc has not got.
load common

setup() {
    dir=$(scratch_dir)
}

# The file system type the container has at PATH, from its mount table.
mount_type() { echo "awk -v p=$1 '\$2 == p { t = \$3 } END { print t }' /proc/self/mounts"; }

@test "-S: an empty tmpfs of the container's at each DIR, gone after the run; nothing made on the host" {
    run "$HPC" exec -S /data,/out -S /a/b "$PLAIN_SIF" sh -c \
        "ls -A /data /out /a/b; $(mount_type /data); $(mount_type /a/b); echo x >/data/f && echo y >/a/b/g && cat /data/f /a/b/g"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '/a/b:\n\n/data:\n\n/out:\ntmpfs\ntmpfs\nx\ny')" ]
    run "$HPC" exec -S /data "$PLAIN_SIF" ls -A /data
    [ "$status" -eq 0 ] && [ "$output" = "" ]
    [ ! -e /data ] && [ ! -e /out ]
}

@test "-S with -W: the files land in WORKDIR/scratch/DIR on the host (mode 0750), only there, and stay" {
    mkdir "$dir/work"
    touch "/tmp/hpc-options-host-$$"
    run "$HPC" exec -W "$dir/work" -S /data,/deep/er "$PLAIN_SIF" sh -c \
        "echo kept >/data/f; echo too >/deep/er/g; ls /tmp/hpc-options-host-$$"
    rm -f "/tmp/hpc-options-host-$$"
    [ "$status" -eq 0 ]
    [ "$output" = "/tmp/hpc-options-host-$$" ]  # without --contain, /tmp is still the host's
    [ "$(cd "$dir/work" && find . | sort | tr '\n' ' ')" = ". ./scratch ./scratch/data ./scratch/data/f ./scratch/deep ./scratch/deep/er ./scratch/deep/er/g " ]
    [ "$(cat "$dir/work/scratch/data/f")" = kept ]
    [ "$(stat -c '%a %U' "$dir/work/scratch" "$dir/work/scratch/data" "$dir/work/scratch/deep/er" | sort -u)" = "750 $(id -un)" ]
    # The next run finds them; a relative -W is taken from the working directory, as in Apptainer.
    cd "$dir"
    run "$HPC" exec -W work -S /data "$PLAIN_SIF" cat /data/f
    [ "$status" -eq 0 ] && [ "$output" = kept ]
}

@test "--contain with -W: /tmp, /var/tmp and home are WORKDIR/tmp, var_tmp and home" {
    mkdir "$dir/work"
    run "$HPC" exec --contain -W "$dir/work" "$PLAIN_SIF" sh -c 'touch /tmp/t /var/tmp/v "$HOME/h" && ls -A "$HOME"'
    [ "$status" -eq 0 ]
    [ "$output" = h ]
    [ -f "$dir/work/tmp/t" ] && [ -f "$dir/work/var_tmp/v" ] && [ -f "$dir/work/home/h" ]
    [ "$(stat -c %a "$dir/work/tmp" "$dir/work/var_tmp" "$dir/work/home" | tr '\n' ' ')" = "1777 1777 700 " ]
    # Without -W, --contain's are tmpfs mounts, empty each time.
    run "$HPC" exec --contain "$PLAIN_SIF" sh -c "ls -A /tmp; $(mount_type /tmp)"
    [ "$status" -eq 0 ] && [ "$output" = tmpfs ]
}

@test "-S and -W refuse what they cannot mean, in one line, before anything runs" {
    run -64 "$HPC" exec -S data "$PLAIN_SIF" true
    [ "$output" = "hpc: -S data: not an absolute path (a directory in the container)" ]
    run -64 "$HPC" exec -S / "$PLAIN_SIF" true
    [ "$output" = "hpc: -S /: cannot cover the container's root" ]
    run -64 "$HPC" exec -S /a/../etc "$PLAIN_SIF" true
    [ "$output" = "hpc: -S /a/../etc: a path with '..' in it" ]
    run -66 "$HPC" exec -S /data -W "$dir/none" "$PLAIN_SIF" true
    [ "$output" = "hpc: -W $dir/none: no such directory" ]
    [ ! -e "$dir/none" ]
    # A symlink below WORKDIR would lead the files out of it: refused, and nothing follows it.
    mkdir "$dir/work" "$dir/elsewhere"
    ln -s "$dir/elsewhere" "$dir/work/scratch"
    run -65 "$HPC" exec -S /data -W "$dir/work" "$PLAIN_SIF" true
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" = "hpc: "*"-S /data: $dir/work/scratch: a symbolic link, which hpc does not follow below -W" ]]
    [ -z "$(ls -A "$dir/elsewhere")" ]
}

@test "APPTAINER_SCRATCH and APPTAINER_WORKDIR are -S and -W; a site's HPC_SCRATCH and HPC_WORKDIR ask nothing" {
    mkdir "$dir/work"
    HPC_SCRATCH=/hpc-scratch HPC_WORKDIR=/nowhere APPTAINER_SCRATCH=/a1,/a2 \
        run --separate-stderr "$HPC" exec "$PLAIN_SIF" sh -c "$(mount_type /a1); $(mount_type /a2); ls -d /hpc-scratch 2>/dev/null; echo end"
    [ "$status" -eq 0 ] && [ "$stderr" = "" ]
    [ "$output" = "tmpfs"$'\n'"tmpfs"$'\n'"end" ]
    SINGULARITY_SCRATCHDIR=/s APPTAINER_WORKDIR="$dir/work" run "$HPC" exec "$PLAIN_SIF" touch /s/f
    [ "$status" -eq 0 ]
    [ -f "$dir/work/scratch/s/f" ]
}

@test "--keep-privs: root in the container keeps its capabilities (--fakeroot's); refused for anyone else" {
    run -64 "$HPC" exec --keep-privs "$PLAIN_SIF" true
    [ "$output" = "hpc: --keep-privs: only root in the container has capabilities to keep, and the container's user is uid $(id -u): add --fakeroot" ]
    run -64 "$HPC" exec --fakeroot --keep-privs --no-privs "$PLAIN_SIF" true
    [ "$output" = "hpc: --keep-privs and --no-privs cannot be used together" ]
    run "$HPC" exec --fakeroot "$PLAIN_SIF" grep CapEff /proc/self/status
    [ "$status" -eq 0 ]
    local without=$output
    run "$HPC" exec --fakeroot --keep-privs "$PLAIN_SIF" grep CapEff /proc/self/status
    [ "$status" -eq 0 ]
    [ "$output" = "$without" ] && [ "$output" != "CapEff:	0000000000000000" ]
    APPTAINER_KEEP_PRIVS=1 run -64 "$HPC" exec "$PLAIN_SIF" true
    [[ "$output" = "hpc: --keep-privs: only root in the container"* ]]
}

@test "Apptainer's options hpc has not got: what to use instead, one line, exit 64" {
    run -64 "$HPC" exec --memory 1G "$PLAIN_SIF" true
    [[ "$output" = "hpc: exec: --memory: resource limits are not hpc's: "*"(see hpc exec --help)" ]] && [ "${#lines[@]}" -eq 1 ]
    run -64 "$HPC" exec --fusemount "host:sshfs a: /m" "$PLAIN_SIF" true
    [[ "$output" = "hpc: exec: --fusemount: "* ]] && [ "${#lines[@]}" -eq 1 ]
    run -64 "$HPC" run --sharens "$PLAIN_SIF"
    [[ "$output" = "hpc: run: --sharens: "* ]]
    run -64 "$HPC" build --section post x.sif "$APP_DIR"
    [[ "$output" = "hpc: build: --section: "* ]]
    # One word, two meanings: build's -u is --update, exec's --userns.
    run -64 "$HPC" build -u x.sif "$APP_DIR"
    [[ "$output" = "hpc: build: -u: "*"--update"* ]]
    run -64 "$HPC" exec -u "$PLAIN_SIF" true
    [ "$output" = "hpc: exec: -u: hpc always runs in a user namespace: leave -u out (see hpc exec --help)" ]
    run -64 "$HPC" pull --name x.sif docker://alpine
    [[ "$output" = "hpc: pull: --name: "* ]]
    [ ! -e x.sif ]
}
