#!/usr/bin/env bats
# -B, --mount and the *_BIND variables, with Apptainer's syntax and meanings.
load common

setup() {
    make_bind_sources
}

@test "-B src:dst binds a directory where asked" {
    run "$HPC" exec -B "$dir/data:/mnt/data" "$PLAIN_SIF" cat /mnt/data/file
    [ "$status" -eq 0 ]
    [ "$output" = "data" ]
}

@test "-B src binds at the same path; a file binds onto a file" {
    run "$HPC" exec -B "$dir/data/file" "$PLAIN_SIF" cat "$dir/data/file"
    [ "$output" = "data" ]
    run "$HPC" exec -B "$dir/data/file:/etc/motd" "$PLAIN_SIF" cat /etc/motd
    [ "$output" = "data" ]
}

@test ":ro makes a bind read-only, :rw keeps it writable" {
    run "$HPC" exec -B "$dir/data:/mnt:ro" "$PLAIN_SIF" touch /mnt/new
    [ "$status" -ne 0 ]
    [[ "$output" == *"Read-only file system"* ]]
    run "$HPC" exec -B "$dir/data:/mnt:rw" "$PLAIN_SIF" touch /mnt/new
    [ "$status" -eq 0 ]
    [ -e "$dir/data/new" ]
}

@test "comma lists, repeated -B, and escaped separators" {
    run "$HPC" exec -B "$dir/data:/a,$dir/other:/b" -B "$dir/data:/c" "$PLAIN_SIF" cat /a/file /b/file /c/file
    [ "$output" = "data"$'\n'"other"$'\n'"data" ]
    mkdir -p "$dir/a,b:c"
    echo odd >"$dir/a,b:c/file"
    run "$HPC" exec -B "${dir}/a\\,b\\:c:/odd" "$PLAIN_SIF" cat /odd/file
    [ "$output" = "odd" ]
}

@test "APPTAINER_BIND, SINGULARITY_BIND and HPC_BIND add binds" {
    APPTAINER_BIND="$dir/data:/x" run "$HPC" exec "$PLAIN_SIF" cat /x/file
    [ "$output" = "data" ]
    SINGULARITY_BIND="$dir/data:/x" run "$HPC" exec "$PLAIN_SIF" cat /x/file
    [ "$output" = "data" ]
    HPC_BIND="$dir/other:/x" run "$HPC" exec "$PLAIN_SIF" cat /x/file
    [ "$output" = "other" ]
}

@test "--mount type=bind binds in Docker's syntax" {
    run "$HPC" exec --mount "type=bind,source=$dir/data,destination=/m,readonly" "$PLAIN_SIF" sh -c 'cat /m/file; touch /m/x'
    [ "$status" -ne 0 ]
    [ "${lines[0]}" = "data" ]
    [[ "$output" == *"Read-only file system"* ]]
}

@test "a destination through a symlink in the image resolves inside the image" {
    # The image has /var/run -> ../run: the bind lands on the image's /run, not the host's.
    run "$HPC" exec -B "$dir/data:/var/run/data" "$PLAIN_SIF" cat /run/data/file
    [ "$status" -eq 0 ]
    [ "$output" = "data" ]
}

@test "missing mount points are made without writing the image" {
    run "$HPC" exec -B "$dir/data:/new/deep/dir" "$APP_DIR" cat /new/deep/dir/file
    [ "$output" = "data" ]
    [ ! -e "$APP_DIR/new" ]
}

@test "a missing source: exit 66, one line naming both ends" {
    run -66 "$HPC" exec -B /nonexistent:/mnt "$PLAIN_SIF" true
    [ "$output" = "hpc: bind /nonexistent to /mnt: source not found" ]
}

@test "a relative destination is refused" {
    run -64 "$HPC" exec -B "$dir/data:relative" "$PLAIN_SIF" true
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "hpc: "*"relative"* ]]
}

@test "a sandbox root made gets its mount points too, still unwritten and read-only" {
    [ -d "$IMAGES/root-dir" ] || skip "needs a root-owned sandbox: run the tests as root"
    run "$HPC" exec -B "$dir/data:/etc/extra/data" "$IMAGES/root-dir" sh -c 'cat /etc/extra/data/file; echo "$HOME"; ls -d "$HOME"; touch /etc/new'
    [ "$status" -ne 0 ]
    [ "${lines[0]}" = "data" ]
    [ "${lines[1]}" = "$HOME" ]
    [ "${lines[2]}" = "$HOME" ]
    [[ "${lines[3]}" == *"Read-only file system"* ]]
    [ ! -e "$IMAGES/root-dir/etc/extra" ]
}
