#!/usr/bin/env bats
# SCIF apps, as an ordinary user: the example of Apptainer's user guide (definition_files.rst,
# "SCIF Apps") built from a local image, with an app "tool" that has bin/, lib/, a test and
# files; run, exec, shell and test --app, the SCIF_* variables, inspect --list-apps and --app,
# run-help --app, and the definitions and names refused.
load common

setup_file() {
    local work=$BATS_FILE_TMPDIR
    echo "foo's file" >"$work/foo.txt"
    echo "tool's data" >"$work/tool.dat"
    cat >"$work/scif.def" <<EOF
Bootstrap: localimage
From: $PLAIN_SIF

%environment
    GLOBAL=variables
    AVAILABLE="to all apps"

##############################
# foo
##############################

%apprun foo
    exec echo "RUNNING FOO"

%applabels foo
   BESTAPP FOO

%appinstall foo
   touch foo.exec

%appenv foo
    SOFTWARE=foo
    export SOFTWARE

%apphelp foo
    This is the help for foo.

%appfiles foo
   foo.txt

##############################
# bar
##############################

%apphelp bar
    This is the help for bar.

%applabels bar
   BESTAPP BAR

%appinstall bar
    touch bar.exec

%appenv bar
    SOFTWARE=bar
    export SOFTWARE

%appinstall tool
    printf '#!/bin/sh\necho "tool in \$SCIF_APPNAME, data at \$SCIF_APPDATA: \$*"\n' >"\$SCIF_APPBIN/tool"
    chmod 0755 bin/tool
    echo "not a library" >lib/libtool.so.1
    pwd >installed-in

%apptest tool
    test -x "\$SCIF_APPBIN/tool"
    echo "tool's test passed: \$*"

%appstart tool
    echo "tool started in \$SCIF_APPNAME: \$*"

%appfiles tool
    tool.dat share/tool.dat

%post
    echo "post ran" >/post-ran
EOF
    (cd "$work" && "$HPC" build scif.sif scif.def >build.log 2>&1) || true
    export APPS_SIF=$work/scif.sif APPS_WORK=$work
}

setup() {
    work=$(scratch_dir)
    cd "$work"
    [ -f "$APPS_SIF" ] || { cat "$APPS_WORK/build.log"; false; }
}

teardown() {
    "$HPC" -q instance stop --timeout 2 'scif-*' >/dev/null 2>&1 || true
}

@test "the guide's example builds: the apps laid out, %appinstall in each app's folder after %post, %appfiles" {
    run cat "$APPS_WORK/build.log"
    [[ "$output" == *$'\n'"hpc: laying out the SCIF apps foo, bar, tool"$'\n'"hpc: running %post and %appinstall"$'\n'* ]]
    run "$HPC" exec "$APPS_SIF" sh -c 'ls /scif/apps /scif/data /scif/apps/foo /scif/apps/foo/scif /scif/data/foo'
    [ "$output" = "/scif/apps:"$'\n'"bar"$'\n'"foo"$'\n'"tool"$'\n\n'"/scif/apps/foo:"$'\n'"bin"$'\n'"foo.exec"$'\n'"foo.txt"$'\n'"lib"$'\n'"scif"$'\n\n'"/scif/apps/foo/scif:"$'\n'"env"$'\n'"labels.json"$'\n'"runscript"$'\n'"runscript.help"$'\n\n'"/scif/data:"$'\n'"bar"$'\n'"foo"$'\n'"tool"$'\n\n'"/scif/data/foo:"$'\n'"input"$'\n'"output" ]
    run "$HPC" exec "$APPS_SIF" cat /post-ran /scif/apps/foo/foo.txt /scif/apps/tool/share/tool.dat /scif/apps/tool/installed-in
    [ "$output" = "post ran"$'\n'"foo's file"$'\n'"tool's data"$'\n'"/scif/apps/tool" ]
    run "$HPC" exec "$APPS_SIF" test -f /scif/apps/bar/bar.exec
    [ "$status" -eq 0 ]
    run "$HPC" exec "$APPS_SIF" cat /scif/apps/foo/scif/labels.json
    [ "$output" = $'{\n\t"BESTAPP": "FOO",\n\t"SCIF_APP_NAME": "foo"\n}' ]
}

@test "run --app runs the app's runscript with the arguments; without --app, the image's" {
    run --separate-stderr "$HPC" run --app foo "$APPS_SIF"
    [ "$status" -eq 0 ] && [ "$output" = "RUNNING FOO" ] && [ "$stderr" = "" ]
    run "$HPC" run "$APPS_SIF"
    [ "$output" = "There is no runscript defined for this container" ]
    run "$HPC" exec --app tool "$APPS_SIF" tool a "b c"
    [ "$output" = "tool in tool, data at /scif/data/tool: a b c" ]
}

@test "exec --app: each app's %appenv, the SCIF_* variables, its bin on PATH and lib on LD_LIBRARY_PATH" {
    run "$HPC" exec --app foo "$APPS_SIF" sh -c 'echo "$SOFTWARE $APPTAINER_APPNAME $SINGULARITY_APPNAME"'
    [ "$output" = "foo foo foo" ]
    run "$HPC" exec --app bar "$APPS_SIF" sh -c 'echo "$SOFTWARE"'
    [ "$output" = "bar" ]
    run bash -c "'$HPC' exec --app foo '$APPS_SIF' env | grep -E '^SCIF_[A-Z]+=' | LC_ALL=C sort"
    [ "$output" = "SCIF_APPBIN=/scif/apps/foo/bin
SCIF_APPDATA=/scif/data/foo
SCIF_APPENV=/scif/apps/foo/scif/env/90-environment.sh
SCIF_APPHELP=/scif/apps/foo/scif/runscript.help
SCIF_APPINPUT=/scif/data/foo/input
SCIF_APPLABELS=/scif/apps/foo/scif/labels.json
SCIF_APPLIB=/scif/apps/foo/lib
SCIF_APPMETA=/scif/apps/foo/scif
SCIF_APPNAME=foo
SCIF_APPOUTPUT=/scif/data/foo/output
SCIF_APPROOT=/scif/apps/foo
SCIF_APPRUN=/scif/apps/foo/scif/runscript
SCIF_APPS=/scif/apps
SCIF_DATA=/scif/data" ]
    # Every app's folders, with or without --app (94-appsbase.sh).
    run bash -c "'$HPC' exec '$APPS_SIF' env | grep -E '^SCIF_APP(ROOT|RUN)_' | LC_ALL=C sort"
    [ "$output" = "SCIF_APPROOT_bar=/scif/apps/bar
SCIF_APPROOT_foo=/scif/apps/foo
SCIF_APPROOT_tool=/scif/apps/tool
SCIF_APPRUN_foo=/scif/apps/foo/scif/runscript" ]
    run "$HPC" exec --app tool "$APPS_SIF" sh -c 'echo "$PATH"; echo "$LD_LIBRARY_PATH"; echo "${SCIF_APPNAME-none} ${SOFTWARE-none}"'
    [ "$output" = "/scif/apps/tool/bin:/scif/apps/tool:$DEFAULT_PATH"$'\n'"/scif/apps/tool/lib:/.singularity.d/libs"$'\n'"tool none" ]
    # Without --app: no active app, its bin not on PATH.
    run "$HPC" exec "$APPS_SIF" sh -c 'echo "${SCIF_APPNAME-none} ${SOFTWARE-none} $PATH"'
    [ "$output" = "none none $DEFAULT_PATH" ]
    run -127 "$HPC" exec "$APPS_SIF" tool
    [ "$output" = "hpc: tool: command not found in the container" ]
    # The user's values come last.
    run "$HPC" exec --app foo --env SOFTWARE=mine "$APPS_SIF" sh -c 'echo "$SOFTWARE"'
    [ "$output" = "mine" ]
}

@test "shell --app starts the shell in the app's environment" {
    run "$HPC" shell --app bar "$APPS_SIF" -c 'echo "$SHELL $SCIF_APPNAME $SOFTWARE"'
    [ "$output" = "/bin/sh bar bar" ]
}

@test "test --app runs the app's test; an app without %apptest is refused" {
    run --separate-stderr "$HPC" test --app tool "$APPS_SIF" one two
    [ "$status" -eq 0 ] && [ "$output" = "tool's test passed: one two" ]
    run -65 "$HPC" test --app foo "$APPS_SIF"
    [ "$output" = "hpc: the app foo has no test (no %apptest foo)" ]
    run -65 "$HPC" run --app bar "$APPS_SIF"
    [ "$output" = "hpc: the app bar has no runscript (no %apprun bar)" ]
}

@test "instance start --app runs the app's startscript; exec --app instance:// runs in an app of the instance" {
    run "$HPC" instance start --app tool "$APPS_SIF" scif-tool x y
    [ "$status" -eq 0 ]
    out=$HOME/.hpc/instances/logs/$(hostname)/$(id -un)/scif-tool.out
    for _ in $(seq 50); do [ ! -s "$out" ] || break; sleep 0.1; done  # the startscript runs detached
    [ "$(cat "$out")" = "tool started in tool: x y" ]
    run "$HPC" exec --app bar instance://scif-tool sh -c 'echo "$SCIF_APPNAME $SOFTWARE"'
    [ "$output" = "bar bar" ]
    run -65 "$HPC" instance start --app foo "$APPS_SIF" scif-foo
    [ "$output" = "hpc: the app foo has no startscript (no %appstart foo)" ]
}

@test "an app the image has not got is exit 66, a bad name 64, one line each, nothing run" {
    run -66 "$HPC" run --app baz "$APPS_SIF"
    [ "$output" = "hpc: $APPS_SIF: no app baz in the image (hpc inspect --list-apps $APPS_SIF lists its apps)" ]
    run -66 "$HPC" exec --app foo "$PLAIN_SIF" true
    [ "$output" = "hpc: $PLAIN_SIF: no app foo in the image (hpc inspect --list-apps $PLAIN_SIF lists its apps)" ]
    run -64 "$HPC" exec --app ../foo "$APPS_SIF" true
    [ "$output" = "hpc: --app ../foo: not an app name (an app's name is letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 64 bytes)" ]
}

@test "APPTAINER_APP and HPC_APP choose the app as --app does" {
    run env APPTAINER_APP=foo "$HPC" run "$APPS_SIF"
    [ "$output" = "RUNNING FOO" ]
    run env HPC_APP=bar "$HPC" exec "$APPS_SIF" sh -c 'echo $SOFTWARE'
    [ "$output" = "bar" ]
    run env APPTAINER_APP=foo "$HPC" exec --app bar "$APPS_SIF" sh -c 'echo $SOFTWARE'
    [ "$output" = "bar" ]
}

@test "inspect --list-apps, --app with each part, in text and JSON; run-help --app" {
    run --separate-stderr "$HPC" inspect --list-apps "$APPS_SIF"
    [ "$status" -eq 0 ] && [ "$output" = "bar"$'\n'"foo"$'\n'"tool" ]
    run "$HPC" inspect --app foo "$APPS_SIF"
    [ "$output" = "BESTAPP: FOO"$'\n'"SCIF_APP_NAME: foo" ]
    run "$HPC" inspect --app foo --runscript "$APPS_SIF"
    [ "$output" = '#!/bin/sh'$'\n\n''    exec echo "RUNNING FOO"' ]
    run "$HPC" inspect --app tool --test "$APPS_SIF"
    [ "$output" = '#!/bin/sh'$'\n\n''    test -x "$SCIF_APPBIN/tool"'$'\n''    echo "tool'"'"'s test passed: $*"' ]
    run "$HPC" inspect --app foo --helpfile "$APPS_SIF"
    [ "$output" = "    This is the help for foo." ]
    run "$HPC" inspect --app bar --environment "$APPS_SIF"
    [ "$output" = "=== /scif/apps/bar/scif/env/90-environment.sh ==="$'\n'"    SOFTWARE=bar"$'\n'"    export SOFTWARE" ]
    run "$HPC" inspect --json --list-apps "$APPS_SIF"
    [ "$output" = $'{\n\t"data": {\n\t\t"attributes": {\n\t\t\t"apps": {\n\t\t\t\t"bar": {},\n\t\t\t\t"foo": {},\n\t\t\t\t"tool": {}\n\t\t\t}\n\t\t}\n\t},\n\t"type": "container"\n}' ]
    run "$HPC" inspect --json --app bar "$APPS_SIF"
    [ "$output" = $'{\n\t"data": {\n\t\t"attributes": {\n\t\t\t"apps": {\n\t\t\t\t"bar": {\n\t\t\t\t\t"labels": {\n\t\t\t\t\t\t"BESTAPP": "BAR",\n\t\t\t\t\t\t"SCIF_APP_NAME": "bar"\n\t\t\t\t\t}\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t},\n\t"type": "container"\n}' ]
    # --all: every app's parts too.
    run bash -c "'$HPC' inspect --all '$APPS_SIF' | grep -c SCIF_APP_NAME"
    [ "$output" = 3 ]
    # The image's own labels are not the apps'.
    run "$HPC" inspect "$APPS_SIF"
    [[ "$output" != *BESTAPP* && "$output" == *"org.label-schema.usage.singularity.deffile.bootstrap: localimage"* ]]
    run "$HPC" run-help --app foo "$APPS_SIF"
    [ "$output" = "    This is the help for foo." ]
    run "$HPC" run-help --app tool "$APPS_SIF"
    [ "$output" = "No help sections were defined for this image" ]
    run -66 "$HPC" inspect --app baz "$APPS_SIF"
    [ "$output" = "hpc: $APPS_SIF: no app baz in the image" ]
}

@test "a build on the SCIF image keeps its apps and adds its own; a sandbox too" {
    cat >more.def <<EOF
Bootstrap: localimage
From: $APPS_SIF

%apprun more
    echo "more, beside \$SCIF_APPROOT_foo"
EOF
    run "$HPC" build more.sif more.def
    [ "$status" -eq 0 ]
    run "$HPC" inspect --list-apps more.sif
    [ "$output" = "bar"$'\n'"foo"$'\n'"more"$'\n'"tool" ]
    run "$HPC" run --app more more.sif
    [ "$output" = "more, beside /scif/apps/foo" ]
    run "$HPC" run --app foo more.sif
    [ "$output" = "RUNNING FOO" ]
    run "$HPC" build --sandbox box more.def
    [ "$status" -eq 0 ]
    run "$HPC" exec --app tool box tool x
    [ "$output" = "tool in tool, data at /scif/data/tool: x" ]
    no_build_left
}

@test "in a multi-stage build the image's apps are its last stage's" {
    cat >stages.def <<EOF
Bootstrap: localimage
From: $PLAIN_SIF
Stage: build

%appinstall builder
    echo built >product

Bootstrap: localimage
From: $PLAIN_SIF
Stage: final

%files from build
    /scif/apps/builder/product /opt/product

%apprun final
    cat /opt/product
EOF
    run "$HPC" build stages.sif stages.def
    [ "$status" -eq 0 ]
    run "$HPC" inspect --list-apps stages.sif
    [ "$output" = "final" ]
    run "$HPC" run --app final stages.sif
    [ "$output" = "built" ]
}

@test "bad app sections and %appfiles: refused before any work, one line with the line number" {
    bad() {  # bad SECTIONS: a definition on the plain image with these sections
        printf 'Bootstrap: localimage\nFrom: %s\n\n%s\n' "$PLAIN_SIF" "$1" >bad.def
    }
    bad $'%apprun\n    echo x'
    run -65 "$HPC" build x.sif bad.def
    [ "$output" = "hpc: bad.def:4: %apprun: an app section names its app (%apprun NAME)" ]
    bad $'%post\n    true\n%appinstall ../up\n    true'
    run -65 "$HPC" build x.sif bad.def
    [ "$output" = "hpc: bad.def:6: %appinstall ../up: not an app name (an app's name is letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 64 bytes)" ]
    bad $'%apprun foo extra\n    true'
    run -65 "$HPC" build x.sif bad.def
    [ "$output" = "hpc: bad.def:4: %apprun foo: \"extra\" after the app's name (app sections take no arguments)" ]
    echo data >present.txt
    bad $'%appfiles foo\n    present.txt ../../etc/passwd'
    run -65 "$HPC" build x.sif bad.def
    [ "$output" = "hpc: bad.def:5: %appfiles foo destination \"../../etc/passwd\" is outside the app's folder /scif/apps/foo" ]
    bad $'%appfiles foo\n    present.txt\n    missing.txt'
    run -66 "$HPC" build x.sif bad.def
    [ "$output" = "hpc: bad.def:6: %appfiles foo source 'missing.txt' does not exist" ]
    bad $'%appinstall foo\n    exit 3'
    run -65 "$HPC" build x.sif bad.def
    [[ "${lines[-1]}" == "hpc: %appinstall failed (exit status 3)"* ]]
    [ ! -e x.sif ]
    no_build_left
}

@test "an app in a Debian image from debootstrap: %appinstall as root in the app's folder, run and test --app" {
    grep -q "^$(id -un):" /etc/subuid || skip "$(id -un) has no subordinate uid range (Bootstrap: debootstrap needs --fakeroot)"
    mirror=$("$BATS_TEST_DIRNAME/debian-mirror")
    cat >debian.def <<'DEF'
Bootstrap: debootstrap
OSVersion: bookworm
MirrorURL: {{ mirror }}

%appinstall hello
    printf '#!/bin/bash\necho "hello from $SCIF_APPNAME on $(. /etc/os-release; echo $ID): $*"\n' >bin/hello
    chmod 0755 bin/hello
    id -u >installed-as

%apprun hello
    exec hello "$@"

%apptest hello
    test "$(cat "$SCIF_APPROOT/installed-as")" = 0
DEF
    run "$HPC" build --build-arg "mirror=$mirror" debian.sif debian.def
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n'"hpc: laying out the SCIF apps hello"$'\n'"hpc: running %appinstall"$'\n'* ]]
    run "$HPC" run --app hello debian.sif a b
    [ "$output" = "hello from hello on debian: a b" ]
    run "$HPC" test --app hello debian.sif
    [ "$status" -eq 0 ]
    run "$HPC" shell --app hello debian.sif -c 'echo "$SHELL $(command -v hello)"'
    [ "$output" = "/bin/bash /scif/apps/hello/bin/hello" ]
}
