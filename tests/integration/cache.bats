#!/usr/bin/env bats
# hpc cache list and clean: where the cache is, its summary, and clean's question. Nothing in
# hpc fills the cache from the command line yet, so entries are made here by hand, named as
# image/cache names them (blobs/sha256/HEX, sif/sha256/HEX.sif).
load common

EMPTY="There are 0 SIF files using 0.00 MiB, 0 blobs using 0.00 MiB, 0 tag records"

setup() {
    dir=$(scratch_dir)
    export HPC_CACHEDIR=$dir/cache
}

hex_of() { printf '%s' "$1" | sha256sum | cut -c1-64; }

@test "cache list: an empty cache is made, the user's alone" {
    run --separate-stderr "$HPC" cache list
    [ "$status" -eq 0 ] && [ "$output" = "$EMPTY" ] && [ "$stderr" = "" ]
    [ "$(stat -c %a "$HPC_CACHEDIR")" = 700 ]
    [ "$(ls "$HPC_CACHEDIR")" = "$(printf 'blobs\nlocks\nsif\ntags')" ]
    run "$HPC" cache list -v
    [ "$status" -eq 0 ] && [ "$output" = "$EMPTY" ]
}

@test "cache: HPC_CACHEDIR, APPTAINER_CACHEDIR (read, no warning), XDG_CACHE_HOME, ~/.cache/hpc" {
    unset HPC_CACHEDIR
    APPTAINER_CACHEDIR=$dir/apptainer run --separate-stderr "$HPC" cache list
    [ "$status" -eq 0 ] && [ "$stderr" = "" ] && [ -d "$dir/apptainer/blobs" ]
    HPC_CACHEDIR=$dir/hpc APPTAINER_CACHEDIR=$dir/apptainer2 run "$HPC" cache list
    [ -d "$dir/hpc/blobs" ] && [ ! -e "$dir/apptainer2" ]
    HOME=$dir/home XDG_CACHE_HOME=$dir/xdg run "$HPC" cache list
    [ -d "$dir/xdg/hpc/blobs" ] && [ ! -e "$dir/home" ]
    HOME=$dir/home run env -u XDG_CACHE_HOME "$HPC" cache list
    [ "$status" -eq 0 ] && [ -d "$dir/home/.cache/hpc/blobs" ]
}

@test "cache clean: without a terminal to ask on, only with --force" {
    run -64 "$HPC" cache clean </dev/null
    [ "$output" = "hpc: cache clean: no terminal to ask on: add --force to remove without asking"\
" (--dry-run says what would go)" ]
    run "$HPC" cache clean --force </dev/null
    [ "$status" -eq 0 ] && [ "$output" = "Removed 0 SIF files, 0 blobs and 0 tag records (0.00 MiB) from $HPC_CACHEDIR" ]
}

@test "cache clean on a terminal: asks, and removes only on yes" {
    command -v script >/dev/null || skip "no script(1) to give hpc a terminal"
    "$HPC" cache list >/dev/null
    local blob
    blob=$(hex_of blob)
    head -c 1048576 /dev/zero >"$HPC_CACHEDIR/blobs/sha256/$blob"
    run script -qec "'$HPC' cache clean" /dev/null <<<n
    [ "$status" -eq 0 ]
    [[ "$output" == *"Remove 0 SIF files, 1 blob and 0 tag records (1.00 MiB) from $HPC_CACHEDIR? [y/N] "* ]]
    [[ "$output" == *"Nothing removed"* ]] && [ -e "$HPC_CACHEDIR/blobs/sha256/$blob" ]
    run script -qec "'$HPC' cache clean" /dev/null <<<yes
    [[ "$output" == *"Removed 0 SIF files, 1 blob and 0 tag records (1.00 MiB) from $HPC_CACHEDIR"* ]]
    [ ! -e "$HPC_CACHEDIR/blobs/sha256/$blob" ]
}

@test "cache list -v and clean --days: entries by the days since their last use" {
    "$HPC" cache list >/dev/null
    local old new sif
    old=$(hex_of old) new=$(hex_of new) sif=$(hex_of manifest)
    head -c 1048576 /dev/zero >"$HPC_CACHEDIR/blobs/sha256/$old"
    touch -d '40 days ago' "$HPC_CACHEDIR/blobs/sha256/$old"
    head -c 524288 /dev/zero >"$HPC_CACHEDIR/blobs/sha256/$new"
    head -c 2097152 /dev/zero >"$HPC_CACHEDIR/sif/sha256/$sif.sif"
    echo "not hpc's" >"$HPC_CACHEDIR/blobs/sha256/notes.txt"
    run "$HPC" cache list
    [ "$output" = "There are 1 SIF file using 2.00 MiB, 2 blobs using 1.50 MiB, 0 tag records" ]
    run "$HPC" cache list -v
    [ "${lines[0]}" = "KIND  NAME                                                                     SIZE          LAST USED" ]
    [[ "${lines[1]}" = "blob  sha256:"*"  "*" MiB      "*" ago" ]]
    [ "${#lines[@]}" -eq 5 ]
    run "$HPC" cache clean --days 30 --dry-run
    [ "${lines[1]}" = "blob  sha256:$old  1.00 MiB      40 days ago" ]
    [ "${lines[2]}" = "Would remove 0 SIF files, 1 blob and 0 tag records (1.00 MiB) from $HPC_CACHEDIR" ]
    [ -e "$HPC_CACHEDIR/blobs/sha256/$old" ]
    run "$HPC" cache clean --days 30 --force
    [ "$output" = "Removed 0 SIF files, 1 blob and 0 tag records (1.00 MiB) from $HPC_CACHEDIR" ]
    [ ! -e "$HPC_CACHEDIR/blobs/sha256/$old" ] && [ -e "$HPC_CACHEDIR/blobs/sha256/$new" ]
    run "$HPC" cache clean -f
    [ "$output" = "Removed 1 SIF file, 1 blob and 0 tag records (2.50 MiB) from $HPC_CACHEDIR" ]
    [ "$(ls "$HPC_CACHEDIR/blobs/sha256")" = notes.txt ]
}

@test "cache: a cache others may write to is refused" {
    "$HPC" cache list >/dev/null
    chmod 0777 "$HPC_CACHEDIR"
    run -77 "$HPC" cache list
    [ "$output" = "hpc: cache $HPC_CACHEDIR: writable by group or others (mode 0777): chmod go-w it, or use another cache" ]
    chmod 0700 "$HPC_CACHEDIR"
    rmdir "$HPC_CACHEDIR/locks"
    ln -s "$dir" "$HPC_CACHEDIR/locks"
    run -77 "$HPC" cache clean --force
    [ "$output" = "hpc: cache $HPC_CACHEDIR/locks: a symbolic link, not a folder" ]
}
