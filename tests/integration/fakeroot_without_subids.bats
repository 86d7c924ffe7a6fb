#!/usr/bin/env bats
# --fakeroot for a user without a subordinate id range (run as such a user: tests/CMakeLists.txt):
# one id, chown and setuid succeed without effect, one line says so; not a failure.
load common

setup() {
    work=$(scratch_dir)
    cd "$work"
    ! grep -q "^$(id -un):" /etc/subuid || skip "$(id -un) has a subordinate uid range"
}

notice="hpc: warning: --fakeroot with one id (no subordinate uid range for $(id -un) in /etc/subuid): chown and setuid succeed without effect, ownership will not be kept"

@test "exec --fakeroot without a range: root inside, chown succeeds and changes nothing, one line says so" {
    run "$HPC" exec --fakeroot "$APP_SIF" sh -c 'id -u; touch /tmp/f-$$; chown 1234:5678 /tmp/f-$$ && echo chowned; stat -c "%u %g" /tmp/f-$$; rm /tmp/f-$$'
    [ "$status" -eq 0 ]
    [ "$output" = "$notice"$'\n'"0"$'\n'"chowned"$'\n'"0 0" ]
    # setuid too: su to another user "works" and stays root.
    run "$HPC" exec --fakeroot "$APP_SIF" su -s /bin/sh nobody -c 'id -u'
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = 0 ]
}

@test "build --fakeroot without a range: %post may chown, the image's files are root's" {
    cat >app.def <<EOF
Bootstrap: localimage
From: $APP_SIF

%post
    mkdir /srv/data
    chown 1234:5678 /srv/data
EOF
    run "$HPC" build --fakeroot app.sif app.def
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$notice" ]
    run image_owners app.sif
    [[ "$output" == *"0/0 squashfs-root/srv/data"* ]]
    [ -z "$(echo "$output" | grep -v '^0/0 ' || true)" ]
    no_build_left
}

@test "build without --fakeroot and without a range: root-mapped, nothing implied; a failed %post says --fakeroot is the answer" {
    cat >app.def <<EOF
Bootstrap: localimage
From: $APP_SIF

%post
    su -s /bin/sh nobody -c true
EOF
    # su's setgroups fails in one id, as apt-get's does.
    run -65 "$HPC" build app.sif app.def
    [[ "$output" != *"building as --fakeroot"* ]]
    [ "${lines[-1]}" = "hpc: %post failed (exit status 1); it ran as root in one id, where package managers such as apt-get cannot change ids: they need --fakeroot, best with a subordinate id range (no subordinate uid range for $(id -un) in /etc/subuid; in one id, give apt-get -o APT::Sandbox::User=root)" ]
    [ ! -e app.sif ]
    # What it says works: under --fakeroot's one id, setgroups and setuid succeed without effect.
    run "$HPC" build --fakeroot app.sif app.def
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$notice" ]
    no_build_left
}
