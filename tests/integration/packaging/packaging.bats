#!/usr/bin/env bats
# The Debian packages, installed by tests/integration/packaging/run (as root) before these run:
# their fields, the files they put in place, the man pages and the bash completion.
bats_require_minimum_version 1.5.0

: "${HPC_TEST_PREFIX:?}" "${HPC_TEST_PACKAGES:?}" "${HPC_TEST_VERSION:?}" "${HPC_TEST_ARCH:?}" "${HPC_TEST_WORK:?}"
PREFIX=$HPC_TEST_PREFIX
HPC_DEB=$HPC_TEST_PACKAGES/hpc_${HPC_TEST_VERSION}_$HPC_TEST_ARCH.deb
PLUGIN_DEB=$HPC_TEST_PACKAGES/hpc-slurm-plugin_${HPC_TEST_VERSION}_$HPC_TEST_ARCH.deb
COMPLETION=$PREFIX/share/bash-completion/completions/hpc

@test "the packages: Debian's file names, hpc's dependencies, the plugin's on hpc and its Slurm" {
    [ -f "$HPC_DEB" ]
    [ "$(dpkg-deb -f "$HPC_DEB" Package)" = hpc ]
    [ "$(dpkg-deb -f "$HPC_DEB" Version)" = "$HPC_TEST_VERSION" ]
    [[ "$(dpkg-deb -f "$HPC_DEB" Depends)" = "libc6 (>= "* ]]
    [[ "$(dpkg-deb -f "$HPC_DEB" Recommends)" = *uidmap* ]]
    [ "$(dpkg-deb --ctrl-tarfile "$HPC_DEB" | tar -xO ./conffiles)" = /etc/hpc/hpc.toml ]
    [ -f "$PLUGIN_DEB" ] || skip "built without the SPANK plugin"
    [ "$(dpkg-deb -f "$PLUGIN_DEB" Package)" = hpc-slurm-plugin ]
    [[ "$(dpkg-deb -f "$PLUGIN_DEB" Depends)" = "hpc (= $HPC_TEST_VERSION), slurm-wlm-basic-plugins (>= "*", slurm-wlm-basic-plugins (<< "* ]]
    dpkg-deb -c "$PLUGIN_DEB" | grep -q '/hpc/spank_hpc\.so$'
    # hpc's package holds no plugin, the plugin's nothing of hpc's
    run ! grep -q spank_hpc < <(dpkg-deb -c "$HPC_DEB")
    [ "$(dpkg-deb -c "$PLUGIN_DEB" | grep -c -v '/$')" -eq 1 ]
}

@test "installed: hpc, its links and the site config, owned by the package" {
    run "$PREFIX/bin/hpc" --version
    [ "$status" -eq 0 ] && [ "$output" = "hpc $HPC_TEST_VERSION" ]
    for link in hpc-slurm-prolog hpc-slurm-epilog run-singularity; do
        [ "$(readlink "$PREFIX/bin/$link")" = hpc ]
    done
    [ "$(dpkg-query -S "$PREFIX/bin/hpc")" = "hpc: $PREFIX/bin/hpc" ]
    [ -f /etc/hpc/hpc.toml ]
    run "$PREFIX/bin/hpc" config check
    [ "$status" -eq 0 ]
    dpkg-query -W -f '${Conffiles}' hpc | grep -q '^ /etc/hpc/hpc.toml '
    [ "$HPC_TEST_PLUGIN" = installed ] || skip "Slurm's plugins are not installed: the SPANK plugin's package was not"
    [ -f "$(dpkg-query -L hpc-slurm-plugin | grep '/spank_hpc\.so$')" ]
}

@test "man hpc and every command's page render without a warning" {
    command -v man >/dev/null || skip "man-db is not installed"
    local page=$PREFIX/share/man/man1/hpc.1.gz
    if [ ! -f "$page" ] && grep -qs 'path-exclude.*/man/' /etc/dpkg/dpkg.cfg.d/*; then
        skip "dpkg excludes man pages here (a container image's dpkg.cfg.d)"
    fi
    run --separate-stderr env MANWIDTH=80 man --warnings hpc
    [ "$status" -eq 0 ] && [ -z "$stderr" ]
    [[ "$output" = *"hpc - run container images"* ]]
    [[ "$output" = *"hpc-exec(1)"* ]]
    run --separate-stderr env MANWIDTH=80 man --warnings hpc-cache-clean
    [ "$status" -eq 0 ] && [ -z "$stderr" ]
    [[ "$output" = *"-D, --days N"* ]]
    local count=0
    for page in "$PREFIX"/share/man/man1/hpc*.1.gz; do
        run --separate-stderr env MANWIDTH=80 man --warnings -l "$page"
        [ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "$page: $stderr"; false; }
        count=$((count + 1))
    done
    [ "$count" -ge 20 ]
}

@test "the bash completion: installed as hpc prints it, and set in an interactive bash" {
    [ -f "$COMPLETION" ]
    diff <("$PREFIX/bin/hpc" completion bash) "$COMPLETION"
    run --separate-stderr bash --norc -i -c "source '$COMPLETION' && complete -p hpc"
    [ "$output" = "complete -F _hpc hpc" ]
    local loader=/usr/share/bash-completion/bash_completion
    [ -f "$loader" ] || skip "bash-completion is not installed: its loader not tried"
    # as bash-completion finds it at the first TAB, by the command's name
    run --separate-stderr bash --norc -i -c "source $loader && __load_completion hpc && complete -p hpc"
    [ "$output" = "complete -F _hpc hpc" ]
}

# complete WORD...: COMPREPLY for the command line WORD... with the cursor at the end of the
# last WORD, as bash sets COMP_WORDS (split at ':' and '='), sorted, one line.
complete_words() {
    bash --norc -c '
        source "$1"
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _hpc
        printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd " "
    ' complete "$COMPLETION" "$@"
}

@test "completion: commands, subcommands, options of each command, their values" {
    cd "$HPC_TEST_WORK" && mkdir -p files && cd files
    [ "$(complete_words hpc ex)" = exec ]
    [ "$(complete_words hpc c)" = "cache completion config" ]
    [ "$(complete_words hpc cache '')" = "clean list" ]
    [ "$(complete_words hpc -q cache c)" = clean ]
    [ "$(complete_words hpc exec --cont)" = "--contain --containall" ]
    [ "$(complete_words hpc cache clean --d)" = "--days --dry-run" ]
    [ "$(complete_words hpc completion '')" = bash ]
    [ "$(complete_words hpc help cache '')" = "clean list" ]
    [ "$(complete_words hpc --ver)" = "--verbose --version" ]
    run complete_words hpc man-pages  # hidden
    [ "$output" = "" ]
    touch bound.txt
    [ "$(complete_words hpc exec -B bou)" = bound.txt ]
    [ "$(complete_words hpc exec --bind = bou)" = bound.txt ]
}

@test "completion: image files and directories for an image, any file after it" {
    cd "$HPC_TEST_WORK" && mkdir -p images/dir && cd images
    touch app.sif app.sqsh app.squashfs overlay.img notes.txt
    [ "$(complete_words hpc exec '')" = "app.sif app.sqsh app.squashfs dir overlay.img" ]
    [ "$(complete_words hpc exec -B /tmp --containall a)" = "app.sif app.sqsh app.squashfs" ]
    [ "$(complete_words hpc inspect n)" = "" ]
    [ "$(complete_words hpc exec app.sif n)" = notes.txt ]
    # after the image, options are the command's: none offered
    [ "$(complete_words hpc exec app.sif --cont)" = "" ]
}

@test "completion: instance names after instance:// and for instance stop and stats" {
    cd "$HPC_TEST_WORK" && mkdir -p instances && cd instances
    # an hpc whose instance list shows two
    # shellcheck disable=SC2016  # the fake's own words
    printf '%s\n' '#!/bin/sh' '[ "$1 $2" = "instance list" ] || exit 1' \
        'printf "INSTANCE NAME  PID  IMAGE\nweb  41  /x/web.sif\ndb  42  /x/db.sif\n"' >hpc
    chmod +x hpc
    [ "$(complete_words ./hpc exec instance://)" = "instance://db instance://web" ]
    [ "$(complete_words ./hpc run instance : //w)" = "//web" ]  # split at ':', as bash splits it
    [ "$(complete_words ./hpc shell ins)" = "instance://db instance://web" ]
    [ "$(complete_words ./hpc instance stop '')" = "db web" ]
    [ "$(complete_words ./hpc instance stats w)" = web ]
}
