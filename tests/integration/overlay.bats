#!/usr/bin/env bats
# --overlay with directories: a writable layer kept across runs (Apptainer's DIR/upper and
# DIR/work), read-only layers stacked in the order given, with --writable-tmpfs, and the errors.
# Kernel overlayfs in the user namespace; the image itself never changes.
load common

setup() {
    dir=$(scratch_dir)
    cd "$dir"
}

@test "a writable directory overlay keeps what a run writes and deletes, for the next run" {
    mkdir env
    run "$HPC" exec --overlay env "$PLAIN_SIF" sh -c 'mkdir -p /opt/app && echo v1 >/opt/app/version && rm /bin/vi && echo ok'
    [ "$status" -eq 0 ]
    [ "$output" = ok ]
    # Apptainer's layout, the writes the user's own.
    [ "$(cat env/upper/opt/app/version)" = v1 ]
    [ -d env/work ]
    [ "$(stat -c %u env/upper/opt/app/version)" = "$(id -u)" ]
    run "$HPC" exec --overlay env "$PLAIN_SIF" sh -c 'cat /opt/app/version; test -L /bin/vi || echo "vi gone"'
    [ "$output" = "v1"$'\n'"vi gone" ]
    # The image is as it was.
    run "$HPC" exec "$PLAIN_SIF" sh -c 'test -e /opt/app/version || echo "no version"; test -L /bin/vi && echo "vi there"'
    [ "$output" = "no version"$'\n'"vi there" ]
}

@test "read-only layers stack in the order given, the last on top, and take no writes" {
    mkdir -p low/etc high/etc
    echo low >low/etc/motd
    echo low >low/etc/only-low
    echo high >high/etc/motd
    run "$HPC" exec --overlay low:ro --overlay high:ro "$PLAIN_SIF" sh -c 'cat /etc/motd /etc/only-low; touch /x'
    [ "$status" -ne 0 ]
    [ "${lines[0]}" = high ]
    [ "${lines[1]}" = low ]
    [[ "$output" == *"Read-only file system"* ]]
    # A writable overlay, then read-only: its upper/ is what it shows.
    mkdir env
    "$HPC" exec --overlay env "$PLAIN_SIF" sh -c 'echo kept >/kept'
    run "$HPC" exec --overlay env:ro "$PLAIN_SIF" cat /kept
    [ "$output" = kept ]
    # With --writable-tmpfs on top, writes go to the tmpfs and the layers stay as they were.
    run "$HPC" exec --writable-tmpfs --overlay low:ro "$PLAIN_SIF" sh -c 'echo new >/etc/only-low && cat /etc/only-low'
    [ "$output" = new ]
    [ "$(cat low/etc/only-low)" = low ]
}

@test "over a directory image, and with a writable overlay --writable-tmpfs is not used" {
    mkdir env
    run --separate-stderr "$HPC" exec --writable-tmpfs --overlay env "$APP_DIR" sh -c 'echo x >/written; echo ok'
    [ "$output" = ok ]
    [ "$stderr" = "hpc: warning: --writable-tmpfs is not used: the writable overlay takes the container's writes" ]
    [ -f env/upper/written ]
    [ ! -e "$APP_DIR/written" ]
}

@test "--dry-run shows the layers, bottom up" {
    mkdir low env
    run "$HPC" exec --dry-run --overlay low:ro -o env "$PLAIN_SIF" true
    [ "$status" -eq 0 ]
    [[ "$output" == *"root: squashfs served by hpc, overlay $dir/low (read-only), overlay $dir/env (writable: upper/, work/)"* ]]
    [ ! -e env/upper ]  # a dry run makes nothing
}

@test "a run killed while writing leaves the overlay usable" {
    mkdir env
    "$HPC" exec --overlay env "$PLAIN_SIF" sh -c 'while :; do echo line >>/log; done' &
    pid=$!
    sleep 1
    kill -9 "$pid"
    wait "$pid" || true
    run "$HPC" exec --overlay env "$PLAIN_SIF" sh -c 'test -s /log && echo more >>/log && tail -n 1 /log'
    [ "$status" -eq 0 ]
    [ "$output" = more ]
}

@test "a missing overlay, a file, two writable ones: one line each" {
    mkdir a b
    touch file
    run -66 "$HPC" exec --overlay missing "$PLAIN_SIF" true
    [ "$output" = "hpc: --overlay missing: no such file or directory" ]
    run -65 "$HPC" exec --overlay file "$PLAIN_SIF" true
    [ "$output" = "hpc: --overlay file: $dir/file: not a squashfs, ext3 or SIF image" ]
    run -64 "$HPC" exec --overlay a --overlay b "$PLAIN_SIF" true
    [ "$output" = "hpc: --overlay: only one overlay can be writable, and a and b both are (add :ro to one)" ]
    [ ! -e a/upper ] && [ ! -e b/upper ]
}

@test "a writable directory on a file system overlayfs cannot write (FUSE here, NFS alike) is refused, an ext3 image suggested" {
    command -v squashfuse_ll >/dev/null || skip "squashfuse_ll is not installed"
    mkdir -p tree/env mnt
    mksquashfs tree tree.sqfs -quiet -noappend -no-progress >/dev/null
    squashfuse_ll tree.sqfs mnt
    run -69 "$HPC" exec --overlay mnt/env "$PLAIN_SIF" true
    fusermount3 -u mnt
    [ "$output" = "hpc: staging the image's root: --overlay $dir/mnt/env: on FUSE, which overlayfs cannot write to as an overlay's upper layer: use an ext3 overlay image there (hpc overlay create), or a directory on a local file system" ]
}
