#!/usr/bin/env bats
# hpc build: definition files, other images and directories to SIF or sandbox, as an ordinary user.
load common

setup() {
    work=$(scratch_dir)
    cd "$work"
}

# A file's size as the build's last line gives it: MiB with one decimal.
mib_of() { stat -c %s "$1" | awk '{ printf "%.1f", $1 / 1048576 }'; }

# No build leaves its work directory, a temporary output or a mount behind.
nothing_left() {
    no_build_left
    [ -z "$(ls -A "$work" | grep 'hpc-tmp' || true)" ]
}

@test "a definition from a local image: %setup, %files, %post, %environment, %runscript, %labels, %help, %test" {
    echo "from the host" >host-file
    mkdir bound
    echo "through a bind" >bound/file
    cat >app.def <<EOF
Bootstrap: localimage
From: $PLAIN_SIF

%setup
    echo "made by %setup" >"\$APPTAINER_ROOTFS/setup-file"
    test "\$HPC_ROOTFS" = "\$APPTAINER_ROOTFS"

%files
    host-file /opt/host-file

%post
    cp /mnt/bound/file /opt/bound-file
    test "\$(pwd)" = /
    echo "made in %post" >/opt/post-file
    echo 'export FROM_POST=yes' >>"\$APPTAINER_ENVIRONMENT"
    echo "post.label from-post" >>"\$APPTAINER_LABELS"
    id -u >/opt/post-uid

%environment
    export GREETING=hello

%runscript
    echo "run: \$GREETING \$FROM_POST \$*"

%labels
    maintainer hpc tests

%help
    How to use this image.

%test
    test -f /opt/post-file
EOF
    run "$HPC" build -B "$work/bound:/mnt/bound" app.sif app.def
    [ "$status" -eq 0 ]
    run "$HPC" run app.sif one two
    [ "$output" = "run: hello yes one two" ]
    run "$HPC" exec app.sif cat /setup-file /opt/host-file /opt/bound-file /opt/post-file /opt/post-uid
    [ "$output" = "made by %setup"$'\n'"from the host"$'\n'"through a bind"$'\n'"made in %post"$'\n'"0" ]
    # The bind's mount point was the build's, not the image's.
    run "$HPC" exec app.sif test -e /mnt/bound
    [ "$status" -eq 1 ]
    # Apptainer's layout: metadata, actions and the compatibility links.
    run "$HPC" exec app.sif sh -c 'ls /.singularity.d/env /.singularity.d/actions; readlink /environment; readlink /singularity'
    [[ "$output" == *"90-environment.sh"* && "$output" == *"99-base.sh"* && "$output" == *"exec"* ]]
    [[ "$output" == *".singularity.d/env/90-environment.sh"$'\n'".singularity.d/runscript" ]]
    run "$HPC" inspect app.sif
    [[ "$output" == *"maintainer: hpc tests"* ]]
    [[ "$output" == *"post.label: from-post"* ]]
    [[ "$output" == *"org.label-schema.usage.singularity.deffile.bootstrap: localimage"* ]]
    run "$HPC" inspect --helpfile app.sif
    [[ "$output" == *"How to use this image."* ]]
    run "$HPC" inspect --deffile app.sif
    [ "${lines[0]}" = "Bootstrap: localimage" ]
    nothing_left
}

@test "the SIF is the reference's: siftool reads it, unsquashfs lists root-owned files, ch-run runs it" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    touch /made\n' "$PLAIN_SIF" >app.def
    run "$HPC" build app.sif app.def
    [ "$status" -eq 0 ]
    run siftool list app.sif
    [[ "$output" == *"Def.FILE"* ]]
    [[ "$output" == *"FS (Squashfs/*System/amd64)"* ]]
    id=$(siftool list app.sif | awk '/Squashfs/ { print $1 }')
    siftool dump "$id" app.sif >app.sqfs
    run unsquashfs -lln app.sqfs /made
    [[ "$output" == *"-rw-r--r-- 0/0"*"squashfs-root/made"* ]]
    if command -v ch-run >/dev/null; then
        run ch-run app.sqfs -- /bin/sh -c 'test -f /made && echo ch-run-ok'
        [ "$output" = "ch-run-ok" ]
    fi
}

@test "Bootstrap: scratch with %files makes an image from nothing" {
    mkdir -p tree/bin
    cp "$(command -v busybox)" tree/bin/busybox
    ln -s busybox tree/bin/sh
    printf 'Bootstrap: scratch\n\n%%files\n    tree/bin /bin\n\n%%runscript\n    echo from scratch\n' >s.def
    run "$HPC" build s.sif s.def
    [ "$status" -eq 0 ]
    run "$HPC" run s.sif
    [ "$output" = "from scratch" ]
}

@test "multi-stage: %files from an earlier stage" {
    cat >multi.def <<EOF
Bootstrap: localimage
From: $PLAIN_SIF
Stage: one

%post
    echo "built in stage one" >/artifact

Bootstrap: localimage
From: $PLAIN_SIF
Stage: final

%files from one
    /artifact /opt/artifact
EOF
    run "$HPC" build multi.sif multi.def
    [ "$status" -eq 0 ]
    run "$HPC" exec multi.sif cat /opt/artifact
    [ "$output" = "built in stage one" ]
    run "$HPC" exec multi.sif test -e /artifact
    [ "$status" -ne 0 ]
}

@test "{{ NAME }} from --build-arg and %arguments; an undefined one is refused before any work" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%arguments\n    WHO=nobody\n\n%%post\n    echo "{{ WHO }}" >/who\n' "$PLAIN_SIF" >args.def
    run "$HPC" build --build-arg WHO=somebody a.sif args.def
    [ "$status" -eq 0 ]
    run "$HPC" exec a.sif cat /who
    [ "$output" = "somebody" ]
    run "$HPC" build b.sif args.def
    run "$HPC" exec b.sif cat /who
    [ "$output" = "nobody" ]
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    echo "{{ MISSING }}"\n' "$PLAIN_SIF" >bad.def
    run -65 "$HPC" build c.sif bad.def
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"MISSING"* ]]
    [ ! -e c.sif ]
    nothing_left
}

@test "--build-arg-file: read once, a regular file of at most 1 MiB, its failure named with the cause" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    echo "{{ WHO }}" >/who\n' "$PLAIN_SIF" >args.def
    echo WHO=somebody >args
    run "$HPC" build --build-arg-file args a.sif args.def
    [ "$status" -eq 0 ]
    [ "$("$HPC" exec a.sif cat /who)" = "somebody" ]
    mkfifo fifo
    run -64 timeout 10 "$HPC" build --build-arg-file fifo b.sif args.def
    [ "$output" = "hpc: --build-arg-file fifo: not a regular file" ]
    run -64 timeout 10 "$HPC" build --build-arg-file /dev/zero b.sif args.def
    [ "$output" = "hpc: --build-arg-file /dev/zero: not a regular file" ]
    run -66 "$HPC" build --build-arg-file missing b.sif args.def
    [ "$output" = "hpc: --build-arg-file missing: No such file or directory" ]
    [ ! -e b.sif ]
}

@test "SOURCE: a FIFO or a device is refused at once, a definition read within bounds" {
    mkfifo fifo
    run -64 timeout 10 "$HPC" build a.sif fifo
    [ "$output" = "hpc: fifo: not a definition file, an image or a directory" ]
    run -64 timeout 10 "$HPC" build a.sif /dev/zero
    [ "$output" = "hpc: /dev/zero: not a definition file, an image or a directory" ]
    head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >huge.def
    run -64 "$HPC" build a.sif huge.def
    [ "$output" = "hpc: huge.def: larger than 4194304 bytes" ]
    run -66 "$HPC" build a.sif missing.def
    [ "$output" = "hpc: missing.def: No such file or directory" ]
    [ ! -e a.sif ]
}

@test "an existing destination is refused without --force, replaced with it" {
    printf 'Bootstrap: localimage\nFrom: %s\n' "$PLAIN_SIF" >app.def
    echo old >app.sif
    run -73 "$HPC" build app.sif app.def
    [ "$output" = "hpc: app.sif: already exists (--force replaces it)" ]
    [ "$(cat app.sif)" = "old" ]
    run "$HPC" build --force app.sif app.def
    [ "$status" -eq 0 ]
    run "$HPC" exec app.sif true
    [ "$status" -eq 0 ]
}

@test "--sandbox builds a directory that runs, and images convert both ways" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    echo sandboxed >/opt/s\n' "$PLAIN_SIF" >app.def
    run "$HPC" build --sandbox box app.def
    [ "$status" -eq 0 ]
    [ "$(cat box/opt/s)" = "sandboxed" ]
    run "$HPC" exec box cat /opt/s
    [ "$output" = "sandboxed" ]
    run "$HPC" build from-dir.sif box
    [ "$status" -eq 0 ]
    run "$HPC" exec from-dir.sif cat /opt/s
    [ "$output" = "sandboxed" ]
    run "$HPC" build again.sif from-dir.sif
    [ "$status" -eq 0 ]
    run "$HPC" build --sandbox box2 again.sif
    [ "$status" -eq 0 ]
    [ "$(cat box2/opt/s)" = "sandboxed" ]
}

@test "a failing %post: exit 65, one line, no destination, nothing left" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    false\n' "$PLAIN_SIF" >fail.def
    run -65 "$HPC" build fail.sif fail.def
    [[ "$output" == *"hpc: %post failed (exit status 1)"* ]]
    [ ! -e fail.sif ]
    nothing_left
}

@test "a %post that reads a corrupt block of its base image: the build fails, and says which image and why" {
    dir=$(scratch_dir)
    make_sif_with_garbled_block "$dir" data.txt
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    cat /data.txt >/dev/null\n' "$dir/image.sif" >corrupt.def
    run --separate-stderr -65 "$HPC" build corrupt.sif corrupt.def
    [[ "$stderr" == *"hpc: %post failed (exit status 1)"* ]]
    one_failed_reads_warning "$dir/image.sif"
    [ ! -e corrupt.sif ]
    nothing_left
}

@test "an interrupted build (SIGINT) ends with 130 and leaves nothing" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    echo started >/dev/stderr\n    sleep 30\n' "$PLAIN_SIF" >slow.def
    interrupt_build slow.sif slow.def
    [ "$status" -eq 130 ]
    [ ! -e slow.sif ]
    [ -z "$(pgrep -u "$(id -u)" -f 'sleep 30' || true)" ]
    nothing_left
}

@test "reproducible: the same definition and SOURCE_DATE_EPOCH give the same bytes" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%post\n    echo fixed >/opt/f\n' "$PLAIN_SIF" >r.def
    SOURCE_DATE_EPOCH=1700000000 run "$HPC" build one.sif r.def
    [ "$status" -eq 0 ]
    SOURCE_DATE_EPOCH=1700000000 run "$HPC" build two.sif r.def
    [ "$status" -eq 0 ]
    cmp one.sif two.sif
}

@test "bad definitions fail before any work, naming the line" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%bogus\n    x\n' "$PLAIN_SIF" >unknown.def
    run -65 "$HPC" build x.sif unknown.def
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hpc: unknown.def:4: "* ]]
    printf '%%post\n    true\n' >nobootstrap.def
    run -65 "$HPC" build x.sif nobootstrap.def
    [ "${#lines[@]}" -eq 1 ]
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%files\n    /no/such/file /opt\n' "$PLAIN_SIF" >nofile.def
    run -66 "$HPC" build x.sif nofile.def
    [ "$output" = "hpc: nofile.def:5: %files source '/no/such/file' does not exist" ]
    : >empty.def
    run -65 "$HPC" build x.sif empty.def
    [ "${#lines[@]}" -eq 1 ]
    [ ! -e x.sif ]
    nothing_left
}

@test "%post -c without a shell is refused with its file and line before any stage runs" {
    cat >shell.def <<EOF
Bootstrap: scratch
Stage: first

%setup
    touch "$work/first-stage-ran"

Bootstrap: localimage
From: $PLAIN_SIF

%post -c
    true
EOF
    run -65 "$HPC" build x.sif shell.def
    [ "$output" = "hpc: shell.def:10: bad %post section '-c' parameter: missing arguments (-c needs a shell, e.g. -c /bin/bash)" ]
    [ ! -e first-stage-ran ]
    [ ! -e x.sif ]
    nothing_left
    # The same definition with a shell builds, and its first stage leaves the mark looked for above.
    sed -i 's|^%post -c$|%post -c /bin/sh|' shell.def
    run "$HPC" build x.sif shell.def
    [ "$status" -eq 0 ]
    [ -e first-stage-ran ]
}

@test "Fingerprints: is refused with its line (hpc cannot check signatures), an empty one builds" {
    printf 'Bootstrap: localimage\nFrom: %s\nFingerprints: F34371D0ACD5D09EB9BD853A80600A5FA11BBD29\n' "$PLAIN_SIF" >signed.def
    run -65 "$HPC" build x.sif signed.def
    [ "$output" = "hpc: signed.def:3: Fingerprints: hpc cannot verify a base image's signatures (signing is not in hpc yet): remove the header to build without the check" ]
    [ ! -e x.sif ]
    nothing_left
    printf 'Bootstrap: localimage\nFrom: %s\nFingerprints:   # none\n' "$PLAIN_SIF" >unsigned.def
    run --separate-stderr "$HPC" build x.sif unsigned.def
    [ "$status" -eq 0 ] && [ -s x.sif ] && ! grep -q -i fingerprints <<<"$stderr"
}

@test "--compression zstd" {
    printf 'Bootstrap: localimage\nFrom: %s\n' "$PLAIN_SIF" >app.def
    run "$HPC" build --compression zstd z.sif app.def
    [ "$status" -eq 0 ]
    run "$HPC" exec z.sif echo zstd-ok
    [ "$output" = "zstd-ok" ]
}

@test "a progress line on a terminal, none when stderr is not one" {
    mkdir -p tree/opt
    head -c 300000 /dev/urandom >tree/opt/blob
    echo small >tree/opt/small
    run "$HPC" build quiet.sif tree
    [ "$status" -eq 0 ]
    [ "$output" = "hpc: writing quiet.sif"$'\n'"hpc: built quiet.sif (SIF, $(mib_of quiet.sif) MiB)" ]
    # script(1) gives the build a terminal; its transcript holds what the terminal showed.
    run script -qec "'$HPC' build shown.sif tree" /dev/null
    [ "$status" -eq 0 ]
    # Rewritten in place (\r) as it goes; the last one counts everything.
    [[ "$output" == *$'\r'"hpc: packing 2/2 files, 0.3/0.3 MiB, "*" MiB/s"* ]]
    # Both images hold the same files (the partition starts at 32768, as test 2 checks).
    cmp <(unsquashfs -o 32768 -lln shown.sif | awk '{ print $3, $6 }') \
        <(unsquashfs -o 32768 -lln quiet.sif | awk '{ print $3, $6 }')
    unsquashfs -o 32768 -lln shown.sif | grep -q ' 300000 .* squashfs-root/opt/blob$'
}

@test "DEST is checked before any work: a trailing slash names the directory; a missing, non-directory or unwritable parent is refused" {
    printf 'Bootstrap: localimage\nFrom: %s\n\n%%setup\n    touch "%s/setup-ran"\n' "$PLAIN_SIF" "$work" >app.def
    # As Apptainer's documentation writes a sandbox: box/ is the directory box.
    run "$HPC" build --sandbox box/ app.def
    [ "$status" -eq 0 ]
    [ -d box/.singularity.d ]
    [ "${lines[-1]}" = "hpc: built box (sandbox directory)" ]
    rm setup-ran
    # Each refusal comes before any stage (%setup leaves no mark), exit 73, one line naming DEST.
    run -73 "$HPC" build nodir/x.sif app.def
    [ "$output" = "hpc: nodir/x.sif: cannot be created: nodir does not exist" ]
    touch file
    run -73 "$HPC" build file/x.sif app.def
    [ "$output" = "hpc: file/x.sif: cannot be created: file is not a directory" ]
    mkdir locked
    chmod 0555 locked
    run -73 "$HPC" build --sandbox locked/box/ app.def
    [ "$output" = "hpc: locked/box: cannot be created: locked is not writable (Permission denied)" ]
    run -73 "$HPC" build --sandbox box/ app.def
    [ "$output" = "hpc: box: already exists (--force replaces it)" ]
    [ ! -e setup-ran ]
    [ -z "$(ls -A locked)" ]
    run "$HPC" build --force --sandbox box/ app.def
    [ "$status" -eq 0 ]
    [ -e setup-ran ]
    nothing_left
}

@test "the build log names each section as it runs and ends with what was built" {
    echo data >host-file
    cat >log.def <<EOF
Bootstrap: localimage
From: $PLAIN_SIF

%pre
    true

%setup
    true

%files
    host-file /opt/host-file

%post
    true

%test
    true
EOF
    run --separate-stderr "$HPC" build log.sif log.def
    [ "$status" -eq 0 ]
    # (A user with a subordinate range is told first that the build is --fakeroot's: fakeroot.bats.)
    log=$(grep -v '^hpc: building as --fakeroot ' <<<"$stderr")
    [ "$log" = "hpc: stage 1: localimage from $PLAIN_SIF
hpc: running %pre
hpc: running %setup
hpc: copying %files
hpc: running %post
hpc: running %test
hpc: writing log.sif
hpc: built log.sif (SIF, $(mib_of log.sif) MiB)" ]
    # A section that is not there, or not run, is not named.
    run --separate-stderr "$HPC" build --notest --sandbox box log.def
    [ "$status" -eq 0 ]
    [[ "$stderr" != *"%test"* ]]
    [ "${stderr_lines[-1]}" = "hpc: built box (sandbox directory)" ]
}
