#!/usr/bin/env bats
# --fakeroot as a user with a subordinate id range (the test user has one): root inside, the
# range behind it, ownership that sticks, and builds that keep it.
load common

setup() {
    work=$(scratch_dir)
    cd "$work"
    grep -q "^$(id -un):" /etc/subuid || skip "$(id -un) has no subordinate uid range"
}

range_start() { awk -F: -v u="$(id -un)" '$1 == u { print $2; exit }' /etc/subuid; }

# A sandbox with directories of subordinate ids (0700) can be removed only by that root.
teardown() {
    for box in "$work"/box*; do
        [ ! -e "$box" ] || "$HPC" exec --fakeroot "$APP_SIF" rm -rf "$box"
    done
}

@test "exec --fakeroot: root inside, HOME /root without the host home, the subordinate range mapped" {
    echo mine >"$HOME/hpc-fakeroot-marker"
    run "$HPC" exec --fakeroot "$APP_SIF" sh -c 'id -u; id -g; whoami; echo "$HOME"; ls -a /root; echo end'
    rm -f "$HOME/hpc-fakeroot-marker"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 0 ]
    [ "${lines[2]}" = root ]
    [ "${lines[3]}" = /root ]
    [[ "$output" != *hpc-fakeroot-marker* ]]
    # Root is the user's own uid; the range follows from 1.
    run "$HPC" exec --fakeroot "$APP_SIF" head -n 2 /proc/self/uid_map
    read -r inside outside count <<<"${lines[0]}"
    [ "$inside $outside $count" = "0 $(id -u) 1" ]
    read -r inside outside count <<<"${lines[1]}"
    [ "$inside $outside" = "1 $(range_start)" ]
}

@test "exec --fakeroot: processes of subordinate ids read the image (the mount allows them)" {
    run "$HPC" exec --fakeroot "$APP_SIF" su -s /bin/sh nobody -c 'id -u; cat /bin/busybox >/dev/null && echo read'
    [ "$status" -eq 0 ]
    [ "$output" = "65534"$'\n'"read" ]
}

@test "exec --fakeroot --writable: chown to another id sticks in a sandbox" {
    cp -a "$APP_DIR" sandbox
    run --separate-stderr "$HPC" exec --fakeroot --writable sandbox sh -c 'touch /f && chown 4321:4322 /f && stat -c "%u %g" /f'
    [ "$status" -eq 0 ]
    [ "$output" = "4321 4322" ]
    # On the host the file belongs to the range: 4321 inside is the range's start + 4320.
    [ "$(stat -c %u sandbox/f)" = $(($(range_start) + 4320)) ]
    run --separate-stderr "$HPC" exec --fakeroot --writable sandbox stat -c "%u %g" /f
    [ "$output" = "4321 4322" ]
    # A file of a subordinate id can only be removed from inside.
    "$HPC" exec --fakeroot --writable sandbox rm /f
    [ ! -e sandbox/f ]
}

@test "build --fakeroot keeps the owners %post makes; root's files stay 0/0; nothing left behind" {
    cat >app.def <<EOF
Bootstrap: localimage
From: $APP_SIF

%post
    mkdir -p /srv/data /home/researcher
    chown 1234:5678 /srv/data
    echo 'researcher:x:1234:1234::/home/researcher:/bin/sh' >>/etc/passwd
    chown 1234:1234 /home/researcher
    touch /opt/root-file
EOF
    run "$HPC" build --fakeroot app.sif app.def
    [ "$status" -eq 0 ]
    run image_owners app.sif
    [[ "$output" == *"1234/5678 squashfs-root/srv/data"* ]]
    [[ "$output" == *"1234/1234 squashfs-root/home/researcher"* ]]
    [[ "$output" == *"0/0 squashfs-root/opt/root-file"* ]]
    [[ "$output" == *"0/0 squashfs-root/bin/busybox"* ]]
    # Root-mapped (the range ignored), the same definition cannot chown: one id. The failure
    # says what would have worked.
    run -65 "$HPC" build --ignore-subuid plain.sif app.def
    [[ "$output" == *"hpc: %post failed (exit status 1); it ran as root in one id, where package managers such as apt-get cannot change ids: they need --fakeroot with your subordinate ids, which --ignore-subuid left out" ]]
    [ ! -e plain.sif ]
    no_build_left
}

@test "build --fakeroot: an interrupted %post leaves no work tree of subordinate ids behind" {
    cat >slow.def <<EOF
Bootstrap: localimage
From: $APP_SIF

%post
    mkdir /srv/owned && chown 1234:1234 /srv/owned && touch /srv/owned/f
    echo started >/dev/stderr
    sleep 30
EOF
    interrupt_build --fakeroot slow.sif slow.def
    [ "$status" -eq 130 ]
    [ ! -e slow.sif ]
    [ -z "$(pgrep -u "$(id -u)" -f 'sleep 30' || true)" ]
    no_build_left
}

@test "Bootstrap: debootstrap without --fakeroot (none implied) is refused before any work" {
    printf 'Bootstrap: debootstrap\nOSVersion: bookworm\nMirrorURL: http://mirror.invalid/debian\n' >deb.def
    run -64 "$HPC" build --ignore-subuid deb.sif deb.def
    [ "$output" = "hpc: deb.def:1: Bootstrap: debootstrap needs --fakeroot (packages own files as users other than root)" ]
    printf 'Bootstrap: debootstrap\nMirrorURL: http://mirror.invalid/debian\n' >noversion.def
    run -65 "$HPC" build --fakeroot deb.sif noversion.def
    [ "$output" = "hpc: noversion.def:1: Bootstrap: debootstrap needs an OSVersion: (e.g. bookworm)" ]
    [ ! -e deb.sif ]
}

@test "build from a definition without --fakeroot: --fakeroot implied (as Apptainer), said on one line" {
    cat >app.def <<EOF
Bootstrap: localimage
From: $APP_SIF

%post
    su -s /bin/sh nobody -c 'id -u' >/opt/su-uid
    mkdir /srv/data
    chown 1234:5678 /srv/data
EOF
    run --separate-stderr "$HPC" build app.sif app.def
    [ "$status" -eq 0 ]
    [ "${stderr_lines[0]}" = "hpc: building as --fakeroot ($(id -un)'s subordinate ids behind root), as Apptainer does for an ordinary user's definition file" ]
    [ "$(grep -c fakeroot <<<"$stderr")" -eq 1 ]
    # su changed ids (setgroups, setuid: what apt-get does) and the owners were kept.
    [ "$("$HPC" exec app.sif cat /opt/su-uid)" = 65534 ]
    run image_owners app.sif
    [[ "$output" == *"1234/5678 squashfs-root/srv/data"* ]]
    [[ "$output" == *"0/0 squashfs-root/opt/su-uid"* ]]
    # An image or a directory is packed as it is: nothing implied.
    run --separate-stderr "$HPC" build again.sif app.sif
    [ "$status" -eq 0 ]
    [[ "$stderr" != *fakeroot* ]]
    no_build_left
}

@test "a sandbox built with --fakeroot (0700 directories of subordinate ids) is packed with --fakeroot; without, the error says so" {
    cat >box.def <<EOF
Bootstrap: localimage
From: $APP_SIF

%post
    mkdir -p /var/cache/apt/archives/partial
    touch /var/cache/apt/archives/partial/f
    chown -R 42:0 /var/cache/apt/archives/partial
    chmod 0700 /var/cache/apt/archives/partial
EOF
    run "$HPC" build --fakeroot --sandbox box/ box.def
    [ "$status" -eq 0 ]
    [ "$(stat -c %u box/var/cache/apt/archives/partial)" = $(($(range_start) + 41)) ]
    run ! ls box/var/cache/apt/archives/partial
    # Without --fakeroot: the first entry the user cannot read stops it, with what to do.
    run -77 "$HPC" build box.sif box
    [ "${lines[-1]}" = "hpc: box/var/cache/apt/archives/partial: cannot open directory: Permission denied (an entry you cannot read: a sandbox built with --fakeroot, whose files belong to your subordinate ids, is packed with --fakeroot)" ]
    [ ! -e box.sif ]
    # With it, read as that root: the owners go into the image as the sandbox's root saw them.
    run "$HPC" build --fakeroot box.sif box
    [ "$status" -eq 0 ]
    run image_owners box.sif
    [[ "$output" == *"42/0 squashfs-root/var/cache/apt/archives/partial"* ]]
    [[ "$output" == *"42/0 squashfs-root/var/cache/apt/archives/partial/f"* ]]
    [[ "$output" == *"0/0 squashfs-root/bin/busybox"* ]]
    # And into another sandbox, the owners kept.
    run "$HPC" build --fakeroot --sandbox box2 box
    [ "$status" -eq 0 ]
    [ "$(stat -c %u box2/var/cache/apt/archives/partial)" = $(($(range_start) + 41)) ]
    [ "$("$HPC" exec --fakeroot box2 stat -c %u:%g /var/cache/apt/archives/partial/f)" = 42:0 ]
    [ -z "$(ls -A "$work" | grep hpc-tmp || true)" ]
    no_build_left
}

@test "--no-privs: root in the container keeps no capability, and cannot do what they allow" {
    run "$HPC" exec --fakeroot "$PLAIN_SIF" grep CapEff /proc/self/status
    [ "$output" != "CapEff:	0000000000000000" ]
    run "$HPC" exec --fakeroot --no-privs "$PLAIN_SIF" sh -c 'grep -E "CapEff|CapBnd" /proc/self/status; id -u; chown 1:1 /tmp/x 2>/dev/null || true; touch /tmp/mine && chown 1:1 /tmp/mine 2>&1'
    [ "${lines[0]}" = "CapEff:	0000000000000000" ]
    [ "${lines[1]}" = "CapBnd:	0000000000000000" ]
    [ "${lines[2]}" = 0 ]
    [[ "${lines[3]}" == *"Operation not permitted"* ]]
}
