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

@test "run-help prints what inspect -H does, or Apptainer's line for an image without help" {
    for image in "$APP_SIF" "$APP_SQFS" "$APP_DIR"; do
        run --separate-stderr "$HPC" run-help "$image"
        [ "$status" -eq 0 ] && [ "$output" = "This image says hello." ] && [ "$stderr" = "" ]
    done
    run --separate-stderr "$HPC" run-help "$PLAIN_SIF"
    [ "$status" -eq 0 ] && [ "$output" = "No help sections were defined for this image" ]
    run -66 "$HPC" run-help /no/such.sif
    [ "$output" = "hpc: /no/such.sif: open: No such file or directory" ]
    run -65 "$HPC" run-help "$IMAGES/bad-truncated.sif"
    [ "${#lines[@]}" -eq 1 ]
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

# oci.sif: app-dir's tree with the OCI manifest and config that a build from an OCI image keeps.
make_oci_sif() {
    dir=$(scratch_dir)
    cp -a "$APP_DIR" "$dir/tree"
    mkdir -p "$dir/tree/.singularity.d/oci"
    printf '{"schemaVersion":2,"layers":[]}\n' >"$dir/tree/.singularity.d/oci/manifest.json"
    printf '{"architecture":"amd64","config":{"WorkingDir":"/app"}}' >"$dir/tree/.singularity.d/oci/config.json"
    run "$HPC" build "$dir/oci.sif" "$dir/tree"
    [ "$status" -eq 0 ]
}

@test "--oci shows the OCI manifest and config under their paths, as stored" {
    make_oci_sif
    run "$HPC" inspect --oci "$dir/oci.sif"
    [ "$status" -eq 0 ]
    expected='=== /.singularity.d/oci/manifest.json ===
{"schemaVersion":2,"layers":[]}

=== /.singularity.d/oci/config.json ===
{"architecture":"amd64","config":{"WorkingDir":"/app"}}'
    [ "$output" = "$expected" ]
}

@test "--oci --json gives them as objects, members in the files' order, and --all includes them" {
    make_oci_sif
    run "$HPC" inspect --oci --json "$dir/oci.sif"
    [ "$status" -eq 0 ]
    expected=$(printf '{\n\t"data": {\n\t\t"attributes": {\n\t\t\t"oci-manifest": {\n\t\t\t\t"schemaVersion": 2,\n\t\t\t\t"layers": []\n\t\t\t},\n\t\t\t"oci-config": {\n\t\t\t\t"architecture": "amd64",\n\t\t\t\t"config": {\n\t\t\t\t\t"WorkingDir": "/app"\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t},\n\t"type": "container"\n}')
    [ "$output" = "$expected" ]
    run "$HPC" inspect --all "$dir/oci.sif"
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\t\t\t"oci-config": {\n\t\t\t\t"architecture": "amd64",'* ]]
    [[ "$output" == *'"labels": {'* ]]
}

@test "--oci of an image not built from an OCI image shows nothing, successfully" {
    run "$HPC" inspect --oci "$APP_SIF"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    run "$HPC" inspect --oci --json "$APP_SIF"
    [ "$status" -eq 0 ]
    [ "$output" = $'{\n\t"data": {\n\t\t"attributes": {}\n\t},\n\t"type": "container"\n}' ]
}

@test "--oci --json of a config that is not JSON: exit 65, one line naming the file" {
    dir=$(scratch_dir)
    cp -a "$APP_DIR" "$dir/tree"
    mkdir -p "$dir/tree/.singularity.d/oci"
    echo 'not json' >"$dir/tree/.singularity.d/oci/config.json"
    run -65 "$HPC" inspect --oci --json "$dir/tree"
    [ "$output" = "hpc: /.singularity.d/oci/config.json: not a JSON object" ]
}
