#!/usr/bin/env bats
# The build researchers write: a Debian image from the machine's apt mirror, without root:
# Bootstrap: debootstrap, then apt-get install and useradd in %post (debian-python.def).
load common

setup() {
    work=$(scratch_dir)
    cd "$work"
    grep -q "^$(id -un):" /etc/subuid || skip "$(id -un) has no subordinate uid range"
}

teardown() {
    # The sandbox below has directories of subordinate ids: only that root removes them.
    [ ! -e "$work/box" ] || "$HPC" exec --fakeroot "$APP_SIF" rm -rf "$work/box"
}

@test "build of a Debian image, --fakeroot implied: debootstrap, apt-get install python3-minimal, useradd" {
    mirror=$("$BATS_TEST_DIRNAME/debian-mirror")
    # No --fakeroot: an ordinary user's definition build with a subordinate range implies it.
    run "$HPC" build --build-arg "mirror=$mirror" debian.sif "$BATS_TEST_DIRNAME/debian-python.def"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "hpc: building as --fakeroot ($(id -un)'s subordinate ids behind root), as Apptainer does for an ordinary user's definition file" ]
    [[ "$output" == *$'\n'"hpc: running %post"$'\n'* ]]
    [[ "${lines[-1]}" == "hpc: built debian.sif (SIF, "*" MiB)" ]]
    # Its runscript, run as the user.
    run "$HPC" run debian.sif
    [ "$output" = "python3 as uid $(id -u)" ]
    # The owners %post and the packages made, written into the image as those ids.
    run image_owners debian.sif
    [[ "$output" == *"1234/5678 squashfs-root/data"* ]]
    [[ "$output" == *"1234/1234 squashfs-root/home/researcher"* ]]
    [[ "$output" == *"42/0 squashfs-root/var/cache/apt/archives/partial"* ]]  # apt's _apt
    [[ "$output" == *"0/42 squashfs-root/etc/shadow"* ]]                      # group shadow
    [[ "$output" == *"0/0 squashfs-root/usr/bin/python3.11"* ]]
    # Device nodes were never made: /dev is empty, filled by hpc at every run.
    [ -z "$(echo "$output" | grep ' squashfs-root/dev/.' || true)" ]
    # Under --fakeroot the image shows them as they are.
    run "$HPC" exec --fakeroot debian.sif sh -c 'stat -c "%u %g" /data; id -u researcher; id -un'
    [ "$output" = "1234 5678"$'\n'"1234"$'\n'"root" ]
    # A package added without a rebuild: apt-get under --fakeroot into a directory overlay, into
    # an ext3 overlay image (fuse2fs, stacked by fuse-overlayfs), each kept for the next run, and
    # into the SIF's own overlay partition.
    install_hello='apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends hello >/dev/null && echo installed'
    mkdir apt-dir
    run "$HPC" exec --fakeroot --overlay apt-dir debian.sif sh -c "$install_hello"
    [ "${lines[-1]}" = installed ]
    run "$HPC" exec --overlay apt-dir:ro debian.sif hello
    [ "$output" = "Hello, world!" ]
    "$HPC" exec --fakeroot "$APP_SIF" rm -rf "$work/apt-dir"  # files of subordinate ids
    "$HPC" overlay create --fakeroot --size 256 apt.img
    run "$HPC" exec --fakeroot --overlay apt.img debian.sif sh -c "$install_hello"
    [ "${lines[-1]}" = installed ]  # after debconf's word on apt-utils
    run "$HPC" exec --overlay apt.img:ro debian.sif hello
    [ "$output" = "Hello, world!" ]
    e2fsck -fn apt.img
    cp debian.sif grown.sif
    "$HPC" overlay create --fakeroot --size 256 grown.sif
    run "$HPC" exec --fakeroot --writable grown.sif sh -c "$install_hello"
    [ "${lines[-1]}" = installed ]
    run "$HPC" exec grown.sif hello
    [ "$output" = "Hello, world!" ]
    siftool list grown.sif | grep -q 'Ext3/Overlay'
    # As a sandbox (apt's partial/ is _apt's, 0700), it packs back only with --fakeroot.
    run "$HPC" build --fakeroot --sandbox box debian.sif
    [ "$status" -eq 0 ]
    run -77 "$HPC" build again.sif box
    [[ "${lines[-1]}" == "hpc: box/var/cache/apt/archives/partial: cannot open directory: Permission denied (an entry you cannot read: a sandbox built with --fakeroot, "* ]]
    run "$HPC" build --fakeroot again.sif box
    [ "$status" -eq 0 ]
    run image_owners again.sif
    [[ "$output" == *"42/0 squashfs-root/var/cache/apt/archives/partial"* ]]
    [[ "$output" == *"1234/5678 squashfs-root/data"* ]]
    no_build_left
}
