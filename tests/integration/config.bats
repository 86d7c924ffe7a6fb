#!/usr/bin/env bats
# hpc config check: the admin's site config validated, and the policy it sets shown.
load common

setup() {
    dir=$(scratch_dir)
    file=$dir/hpc.toml
}

@test "a valid file: ok, then every key with its value, exit 0" {
    cat >"$file" <<'TOML'
[binds]
deny = ["/etc/shadow", "/root/"]

[network]
allow = ["none", "slirp"]
default = "none"
TOML
    chmod 0644 "$file"
    run "$HPC" config check "$file"
    [ "$status" -eq 0 ]
    expected="$file: ok

[binds]
default = []
allow = []
deny = [\"/etc/shadow\", \"/root\"]

[images]
allow_paths = []
allow_formats = [\"sif\", \"squashfs\", \"dir\"]
allow_owners = []

[fakeroot]
allow = true
allow_without_subuid = true

[network]
allow = [\"none\", \"slirp\"]
default = \"none\"

[mount]
share_per_node = true

[mpi]
default = \"image\"
library = \"\"

[slurm]
stage_directory = \"\"

[oci]
mirrors = {}
allow = []
deny = []
cache_dir = \"\"
tag_check_seconds = 60"
    [ "$output" = "$expected" ]
}

@test "an unknown key: exit 78, one line naming the file, the line and the key" {
    printf '[network]\nallow = ["host"]\nspeed = 10\n' >"$file"
    chmod 0644 "$file"
    run -78 "$HPC" config check "$file"
    [ "$output" = "hpc: $file:3: network.speed: unknown key (known: allow, default)" ]
}

@test "a value out of range: exit 78" {
    printf '[network]\ndefault = "slirp"\nallow = ["host"]\n' >"$file"
    chmod 0644 "$file"
    run -78 "$HPC" config check "$file"
    [ "$output" = "hpc: $file:2: network.default: 'slirp' is not in network.allow" ]
}

@test "a group-writable file is refused, however valid" {
    printf '[mount]\nshare_per_node = false\n' >"$file"
    chmod 0664 "$file"
    run -78 "$HPC" config check "$file"
    uid=$(id -u)
    [ "$output" = "hpc: $file: must be owned by root or uid $uid and not writable by group or others (owner uid $uid, mode 0664)" ]
    chmod 0646 "$file"
    run -78 "$HPC" config check "$file"
    [[ "$output" == *"(owner uid $uid, mode 0646)" ]]
}

@test "a file that is not there: exit 66; a directory: exit 78" {
    run -66 "$HPC" config check "$dir/missing.toml"
    [ "$output" = "hpc: $dir/missing.toml: no such file" ]
    run -78 "$HPC" config check "$dir"
    [ "$output" = "hpc: $dir: not a regular file" ]
}

@test "without FILE: the installed file, or the built-in policy when there is none" {
    run "$HPC" config check
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == /*": ok" || "${lines[0]}" == /*": no such file; the built-in defaults apply" ]]
    [ "${lines[1]}" = "[binds]" ]
    [[ "${lines[-1]}" == "tag_check_seconds = "* ]]
}
