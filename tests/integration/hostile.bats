#!/usr/bin/env bats
# A hostile user or image against the launch path (issue 14): hpc makes mount points only in
# its own staging, never on a host file system and never through a link, and refuses what it
# cannot do instead of quietly doing something else.
load common

setup() {
    dir=$(scratch_dir)
    echo data >"$dir/file"
    # Not under the test's own scratch directory: /tmp itself, as a user would name it.
    fresh=/tmp/hpc-hostile-$$-$BATS_TEST_NUMBER
}

teardown() {
    rm -rf "$fresh" "$fresh-link" "$HOME/hpc-hostile-$$"
}

@test "a mount point under the host's /tmp is made in a copy, not on the host" {
    run "$HPC" exec -B "$dir/file:$fresh/a/b" "$PLAIN_SIF" cat "$fresh/a/b"
    [ "$status" -eq 0 ]
    [ "$output" = "data" ]
    [ ! -e "$fresh" ]
}

@test "a mount point through a link in the host's /tmp creates nothing where it points" {
    ln -s "$HOME/hpc-hostile-$$" "$fresh-link"
    run "$HPC" exec -B "$dir/file:$fresh-link" "$PLAIN_SIF" cat "$fresh-link"
    [ "$status" -eq 0 ]
    [ "$output" = "data" ]
    [ ! -e "$HOME/hpc-hostile-$$" ]
}

@test "an image whose /etc/passwd links into the host's /tmp makes nothing there" {
    cp -a "$APP_DIR" "$dir/evil"
    rm -f "$dir/evil/etc/passwd"
    ln -s "$fresh" "$dir/evil/etc/passwd"
    run "$HPC" exec "$dir/evil" true
    [ "$status" -eq 0 ]
    [ ! -e "$fresh" ] && [ ! -L "$fresh" ]
}

@test "--writable on a sandbox leaves no mount point behind in it, and warns of what it covered" {
    cp -a "$APP_DIR" "$dir/sandbox"
    rm -f "$dir/sandbox/etc/hosts"
    touch "$dir/sandbox/etc/resolv.conf"
    find "$dir/sandbox" | sort >"$dir/before"
    run "$HPC" exec --writable -B "$dir/file:/srv/new/file" "$dir/sandbox" sh -c 'cat /srv/new/file; echo kept >/opt-file'
    [ "$status" -eq 0 ]
    [[ "$output" == *"hpc: warning: --writable: no /etc/hosts in the image to mount over: /etc is covered by a copy for this run, so entries made directly in it are not kept (make /etc/hosts in the image to keep them)"* ]]
    [ "${lines[-1]}" = "data" ]
    [ "$(cat "$dir/sandbox/opt-file")" = "kept" ]
    rm "$dir/sandbox/opt-file"
    find "$dir/sandbox" | sort >"$dir/after"
    diff "$dir/before" "$dir/after"
}

@test "--writable on a sandbox the user cannot write is refused (77), nothing thrown away" {
    [ -d "$IMAGES/root-dir" ] || skip "needs a root-owned sandbox: run the tests as root"
    run -77 "$HPC" exec --writable "$IMAGES/root-dir" sh -c 'echo lost >/lost'
    [[ "$output" == "hpc: "*"$IMAGES/root-dir: --writable, but the image is not writable by you (Permission denied)" ]]
    [ ! -e "$IMAGES/root-dir/lost" ]
}
