#!/usr/bin/env bats
# The documents hpc writes from its own command line: `hpc completion bash` (the bash completion
# script) and the hidden `hpc man-pages DIR` the build runs. The installed packages' man pages
# and completion are tests/integration/packaging's.
load common

@test "completion bash prints a bash script that completes hpc" {
    run --separate-stderr "$HPC" completion bash
    [ "$status" -eq 0 ] && [ -z "$stderr" ]
    [[ "${lines[0]}" = "# bash completion for hpc "* ]]
    [ "${lines[-1]}" = "complete -F _hpc hpc" ]
    bash -n <<<"$output"
    # every action's options are there, though a command line registers only its action's
    grep -qx "    'shell')" <<<"$output"
    grep -q "^        options='.* -s --shell .*'$" <<<"$output"
    run -64 "$HPC" completion
    [ "$output" = "hpc: completion: no subcommand given: bash (see hpc completion --help)" ]
    run -64 "$HPC" completion zsh
    [ "$output" = "hpc: completion zsh: not an hpc command; hpc completion has bash (see hpc completion --help)" ]
}

@test "man-pages writes a page per command, and is hidden from users" {
    local dir
    dir=$(scratch_dir)
    run "$HPC" man-pages "$dir"
    [ "$status" -eq 0 ] && [ -z "$output" ]
    [ -f "$dir/hpc.1" ] && [ -f "$dir/hpc-exec.1" ] && [ -f "$dir/hpc-cache-clean.1" ] && [ -f "$dir/hpc-completion-bash.1" ]
    [ ! -e "$dir/hpc-man-pages.1" ]
    # a page for each command hpc --help lists, and for hpc
    local commands
    commands=$("$HPC" --help | sed -n '/^Commands:$/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
    for command in $commands; do [ -f "$dir/hpc-$command.1" ]; done
    grep -q '^\\fB\\-s\\fR, \\fB\\-\\-shell\\fR' "$dir/hpc-shell.1"
    run "$HPC" --help
    [[ "$output" != *man-pages* ]]
    run -64 "$HPC" bogus
    [[ "$output" != *man-pages* ]]
    run "$HPC" man-pages "$dir/missing"
    [ "$status" -ne 0 ] && [[ "$output" = "hpc: write $dir/missing/hpc.1: "* ]]
}

@test "man pages render without a warning" {
    command -v man >/dev/null || skip "man-db is not installed"
    local dir page
    dir=$(scratch_dir)
    "$HPC" man-pages "$dir"
    for page in "$dir"/*.1; do
        run --separate-stderr env MANWIDTH=80 man --warnings -l "$page"
        [ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "$page: $stderr"; false; }
    done
    run env MANWIDTH=80 man -l "$dir/hpc-exec.1"
    [[ "$output" = *"hpc-exec - run a command in an image"* ]]
    [[ "$output" = *"-B, --bind TEXT ..."* ]]
}
