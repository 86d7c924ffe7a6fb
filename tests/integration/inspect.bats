#!/usr/bin/env bats
# inspect shows an image's metadata in Apptainer's shapes, from SIF, squashfs and directories.
load common

@test "labels by default, sorted, on every kind of image" {
    for image in "$APP_SIF" "$APP_SQFS" "$APP_DIR"; do
        run "$HPC" inspect "$image"
        [ "$status" -eq 0 ]
        [ "$output" = "MAINTAINER: hpc tests"$'\n'"org.label-schema.schema-version: 1.0" ]
    done
}

@test "--runscript, --test, --startscript, --helpfile, --deffile" {
    run "$HPC" inspect --runscript "$APP_SIF"
    [ "$output" = '#!/bin/sh'$'\n''echo "runscript args: $*"' ]
    run "$HPC" inspect --test "$APP_SIF"
    [ "$output" = '#!/bin/sh'$'\n''echo "test script ran"' ]
    run "$HPC" inspect --startscript "$APP_SIF"
    [ "$output" = '#!/bin/sh'$'\n''echo "startscript"' ]
    run "$HPC" inspect --helpfile "$APP_SIF"
    [ "$output" = "This image says hello." ]
    run "$HPC" inspect --deffile "$APP_SIF"
    [ "${lines[0]}" = "Bootstrap: localimage" ]
    [ "${lines[1]}" = "From: busybox" ]
}

@test "--environment shows the environment files under their paths" {
    run "$HPC" inspect --environment "$APP_SIF"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "=== /.singularity.d/env/90-environment.sh ===" ]
    [ "${lines[1]}" = "#!/bin/sh" ]
    [[ "$output" == *'export CGO_ENABLED=0'* ]]
}

@test "--json in Apptainer's structure" {
    run "$HPC" inspect --json --labels --runscript "$APP_SIF"
    [ "$status" -eq 0 ]
    expected=$(printf '{\n\t"data": {\n\t\t"attributes": {\n\t\t\t"labels": {\n\t\t\t\t"MAINTAINER": "hpc tests",\n\t\t\t\t"org.label-schema.schema-version": "1.0"\n\t\t\t},\n\t\t\t"runscript": "#!/bin/sh\\necho \\"runscript args: $*\\""\n\t\t}\n\t},\n\t"type": "container"\n}')
    [ "$output" = "$expected" ]
}

@test "an image without metadata shows nothing, successfully" {
    run "$HPC" inspect "$PLAIN_SIF"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
}

@test "inspect of a broken image: exit 65, one line" {
    run -65 "$HPC" inspect "$IMAGES/bad-truncated.sif"
    [ "${#lines[@]}" -eq 1 ]
}
