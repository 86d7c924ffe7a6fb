#!/usr/bin/env bats
# hpc build from OCI images in local files (issue 17): an OCI layout (oci:DIR[:TAG|@DIGEST]), an
# oci-archive and a docker-archive, on the command line and as a definition's Bootstrap. What
# the SIF serves is compared, path by path, with what `umoci unpack` made as root of the same
# image (make-oci-images, run as root by tests/integration/run, and make-hostile-oci for what no
# tool writes); hostile images get one line naming the file, blob and entry, and leave nothing.
load common

OCI=${HPC_TEST_OCI_IMAGES:-}
LISTING=$BATS_TEST_DIRNAME/tree-listing
CRAFTED=$OCI/crafted
MIB=1048576

setup() {
    [ -n "$OCI" ] && [ -f "$OCI/rules.listing" ] ||
        skip "no OCI images: tests/integration/run makes them when started as root (make-oci-images)"
    work=$(scratch_dir)
    cd "$work"
    # DEST in a directory of its own and hpc's temporary files in another, both checked empty
    # after a failure.
    mkdir out tmp
    export TMPDIR=$work/tmp
}

# A sandbox keeps the image's modes (a read-only directory, a mode-000 one): opened up for
# bats to remove.
teardown() {
    [ -z "${work:-}" ] || chmod -R u+rwX "$work" 2>/dev/null || true
}

# The SIF's tree as tree-listing writes it, without what hpc adds to every image.
listing_of() { "$LISTING" --except-hpc --sif "$1"; }

# The directories hpc makes in an image that has none (builder/base_environment.cpp; /dev, /proc
# and /sys are left out of every listing).
MADE_IF_MISSING="/etc /home /root /tmp /var /var/tmp"

# same_tree REFERENCE SIF: the SIF's listing is REFERENCE's (a listing by make-oci-images), but
# for the directories hpc made where the reference has none; the differences are printed when not.
same_tree() {
    listing_of "$2" | awk -v made="$MADE_IF_MISSING" '
        BEGIN { split(made, list, " "); for (i in list) made_if_missing[list[i]] = 1 }
        NR == FNR { in_reference[$1] = 1; next }
        !($1 in in_reference) && ($1 in made_if_missing) && $2 == "d" { next }
        { print }' "$1" - >"$BATS_TEST_TMPDIR/sif.listing"
    run diff -u "$1" "$BATS_TEST_TMPDIR/sif.listing"
    [ "$status" -eq 0 ]
}

# The manifest digest that index.json of LAYOUT gives TAG.
manifest_digest() {
    python3 -c '
import json, sys
for entry in json.load(open(sys.argv[1] + "/index.json"))["manifests"]:
    if entry.get("annotations", {}).get("org.opencontainers.image.ref.name") == sys.argv[2]:
        print(entry["digest"])' "$1" "$2"
}

# short_digest LAYOUT INDEX: "sha256:" and the first 12 hex digits of layer INDEX (0: base) of
# the image of a crafted LAYOUT (its index names one); "config" and "manifest" for those.
short_digest() {
    python3 -c '
import json, sys
layout, which = sys.argv[1], sys.argv[2]
def blob(digest): return layout + "/blobs/sha256/" + digest.split(":")[1]
entry = json.load(open(layout + "/index.json"))["manifests"][0]
if which == "manifest":
    digest = entry["digest"]
else:
    try:
        manifest = json.load(open(blob(entry["digest"])))
    except ValueError:
        sys.exit("short_digest: the manifest does not parse")
    digest = manifest["config"]["digest"] if which == "config" else manifest["layers"][int(which)]["digest"]
print(digest[:len("sha256:") + 12])' "$1" "$2"
}

# nothing_left DEST: no DEST, nothing beside it, no temporary file.
nothing_left() {
    [ ! -e "$1" ]
    [ -z "$(ls -A out)" ]
    [ -z "$(ls -A tmp)" ]
    no_build_left
}

# refused STATUS SOURCE TEXT...: `hpc --quiet build out/x.sif SOURCE` (no notices of what it
# does) exits STATUS with one line on stderr, "hpc: ..." holding every TEXT (fixed strings, in any
# case: "JSON" or "json"), and leaves nothing behind.
refused() {
    local expected=$1 source=$2 text
    shift 2
    run --separate-stderr "$HPC" --quiet build out/x.sif "$source"
    echo "status $status, stderr: $stderr"
    [ "$status" -eq "$expected" ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "hpc: "* ]]
    for text in "$@"; do
        grep -qiF -e "$text" <<<"$stderr" || { echo "missing from the message: $text"; return 1; }
    done
    nothing_left out/x.sif
}

# builds_as LISTING SIF SOURCE: hpc builds SOURCE into SIF, which holds the tree LISTING lists
# (the reference: umoci's root unpack of the same image).
builds_as() {
    run "$HPC" build "$2" "$3"
    [ "$status" -eq 0 ]
    same_tree "$1" "$2"
}

# build_within_256_mib SIF SOURCE: hpc builds SOURCE into SIF with a peak RSS under 256 MiB,
# the issue's bound, said in the output.
build_within_256_mib() {
    /usr/bin/time -f %M -o rss "$HPC" build "$1" "$2"
    local kib
    kib=$(tail -n 1 rss)
    echo "peak RSS: $kib KiB, SIF $(stat -c %s "$1") bytes"
    [ "$kib" -lt $((256 * 1024)) ]
}

@test "oci: a layout, built as umoci unpacks it as root: owners, modes, links, whiteouts, times, devices" {
    builds_as "$OCI/rules.listing" out/rules.sif "oci:$OCI/rules:rules"
}

@test "oci: a layout by manifest digest, and by its only tag when none is given" {
    local digest
    digest=$(manifest_digest "$OCI/rules" rules)
    builds_as "$OCI/rules.listing" out/by-digest.sif "oci:$OCI/rules@$digest"
    builds_as "$OCI/rules.listing" out/untagged.sif "oci:$OCI/rules"
}

@test "oci-archive: a Debian minbase in two layers, as umoci unpacks it as root, and it runs" {
    builds_as "$OCI/debian.listing" out/debian.sif "oci-archive:$OCI/debian.oci.tar:latest"
    run "$HPC" exec out/debian.sif sh -c 'cat /etc/layer-two; ls /usr/share/doc 2>&1 || true; dpkg-query -W -f "\${Status}\n" dpkg'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "made by layer 2" ]
    [[ "${lines[1]}" == *"No such file or directory"* ]]
    [ "${lines[2]}" = "install ok installed" ]
}

@test "oci-archive: the same image from skopeo's archive, by tag and without one" {
    builds_as "$OCI/rules.listing" out/tagged.sif "oci-archive:$OCI/rules.oci.tar:rules"
    builds_as "$OCI/rules.listing" out/untagged.sif "oci-archive:$OCI/rules.oci.tar"
}

@test "docker-archive: the same image as docker save writes it, by reference and without one" {
    builds_as "$OCI/rules.listing" out/ref.sif "docker-archive:$OCI/rules.docker.tar:example.org/rules:1"
    builds_as "$OCI/rules.listing" out/plain.sif "docker-archive:$OCI/rules.docker.tar"
}

@test "the image config: Entrypoint then Cmd, arguments replace Cmd, Env, labels" {
    run "$HPC" build out/rules.sif "oci-archive:$OCI/rules.oci.tar:rules"
    [ "$status" -eq 0 ]
    run "$HPC" run out/rules.sif
    [ "$status" -eq 0 ]
    [ "$output" = "|from-entrypoint|from-cmd|two words|" ]
    run "$HPC" run out/rules.sif one "two three" ""
    [ "$status" -eq 0 ]
    [ "$output" = "|from-entrypoint|one|two three||" ]
    # Env's values are taken as they are written: no word splitting, no expansion.
    run "$HPC" exec out/rules.sif sh -c 'echo "$RULES_GREETING"; echo "$RULES_QUOTED"'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "hello world" ]
    [ "${lines[1]}" = "it's \"quoted\" \$HOME \\ and \`tick\`" ]
    run "$HPC" exec out/rules.sif test -f /.singularity.d/env/10-docker2singularity.sh
    [ "$status" -eq 0 ]
    # Every environment script in the image is one hpc's builds write: the launch computes the
    # environment itself and execs the command, with no shell in between.
    run "$HPC" exec --dry-run out/rules.sif true
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n'"command: true"$'\n'* ]]
    # Labels: in labels.json, and as inspect shows them.
    run "$HPC" exec out/rules.sif cat /.singularity.d/labels.json
    [ "$status" -eq 0 ]
    python3 -c 'import json, sys
labels = json.loads(sys.argv[1])
assert labels["org.example.rules"] == "yes" and labels["org.example.words"] == "a few words", labels' "$output"
    run "$HPC" inspect out/rules.sif
    [[ "$output" == *"org.example.rules: yes"* ]]
    [[ "$output" == *"org.example.words: a few words"* ]]
}

@test "inspect --oci shows the image's manifest and config, --json as JSON" {
    run "$HPC" build out/rules.sif "oci:$OCI/rules:rules"
    [ "$status" -eq 0 ]
    run "$HPC" inspect --oci out/rules.sif
    [ "$status" -eq 0 ]
    [[ "$output" == *"/rules/work"* ]]                 # WorkingDir
    [[ "$output" == *"from-entrypoint"* ]]
    [[ "$output" == *"RULES_GREETING=hello world"* ]]
    [[ "$output" == *"application/vnd.oci.image.layer.v1.tar+gzip"* ]]   # the manifest's layers
    run "$HPC" inspect --oci --json out/rules.sif
    [ "$status" -eq 0 ]
    python3 -c 'import json, sys; text = sys.argv[1]; json.loads(text)
assert "/rules/work" in text and "from-entrypoint" in text, text' "$output"
}

@test "a definition: Bootstrap: oci-archive with From:, then %post and %environment on top" {
    cat >image.def <<EOF
Bootstrap: oci-archive
From: $OCI/rules.oci.tar:rules

%post
    test -f /rules/hard-a
    echo "made in %post" >/rules/post-file

%environment
    export FROM_DEFINITION=defined
EOF
    run "$HPC" build out/defined.sif image.def
    [ "$status" -eq 0 ]
    run "$HPC" exec out/defined.sif sh -c 'cat /rules/post-file; echo "$FROM_DEFINITION, $RULES_GREETING"'
    [ "$status" -eq 0 ]
    [ "$output" = "made in %post"$'\n'"defined, hello world" ]
    # %environment is the user's shell code: the image's shell sources it.
    run "$HPC" exec --dry-run out/defined.sif true
    [[ "$output" == *"command: true  # through /bin/sh and hpc's action script"* ]]
    # No %runscript: the image's Entrypoint and Cmd still run.
    run "$HPC" run out/defined.sif
    [ "$output" = "|from-entrypoint|from-cmd|two words|" ]
    run "$HPC" inspect out/defined.sif
    [[ "$output" == *"org.example.rules: yes"* ]]
    [[ "$output" == *"org.label-schema.usage.singularity.deffile.bootstrap: oci-archive"* ]]
}

@test "--sandbox: an OCI image as a directory the user can run and change, devices as empty files" {
    run "$HPC" build --sandbox out/box "oci-archive:$OCI/rules.oci.tar:rules"
    [ "$status" -eq 0 ]
    [ -d out/box/.singularity.d ]
    [[ "$output" == *"hpc: warning: 2 device nodes written as empty files"* ]]
    [ -f out/box/rules/char-device ] && [ ! -s out/box/rules/char-device ]
    run "$HPC" run out/box
    [ "$output" = "|from-entrypoint|from-cmd|two words|" ]
    run --separate-stderr "$HPC" exec --writable out/box sh -c 'echo changed >/rules/new-file && cat /rules/new-file'
    [ "$output" = changed ]
}

@test "a definition: Bootstrap: oci and docker-archive, %runscript replacing the image's" {
    for source in "oci|$OCI/rules:rules" "docker-archive|$OCI/rules.docker.tar:example.org/rules:1"; do
        printf 'Bootstrap: %s\nFrom: %s\n\n%%runscript\n    echo "own runscript: $*"\n' "${source%%|*}" "${source#*|}" >image.def
        run "$HPC" build --force out/defined.sif image.def
        [ "$status" -eq 0 ]
        run "$HPC" run out/defined.sif one
        [ "$output" = "own runscript: one" ]
        run "$HPC" exec out/defined.sif cat /rules/dated-file
        [ "$output" = "old" ]
    done
}

@test "--arch: an index's entry for this machine by default, another by name, none of a missing one (66)" {
    local host other
    host=$(host_arch)
    other=arm64
    [ "$host" != arm64 ] || other=amd64
    run "$HPC" build out/host.sif "oci:$CRAFTED/multiarch:latest"
    [ "$status" -eq 0 ]
    [ "$(image_cat out/host.sif arch)" = "$host" ]
    run "$HPC" build --arch "$other" out/other.sif "oci:$CRAFTED/multiarch:latest"
    [ "$status" -eq 0 ]
    [ "$(image_cat out/other.sif arch)" = "$other" ]
    run "$HPC" build --arch ppc64le out/ppc.sif "oci:$CRAFTED/multiarch:latest"
    [ "$status" -eq 0 ]
    [ "$(image_cat out/ppc.sif arch)" = ppc64le ]
    rm out/*.sif
    run --separate-stderr "$HPC" --quiet build --arch s390x out/x.sif "oci:$CRAFTED/multiarch:latest"
    [ "$status" -eq 66 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "hpc: "*"s390x"* ]]
    # The message lists what there is.
    [[ "$stderr" == *"amd64"* && "$stderr" == *"arm64"* && "$stderr" == *"ppc64le"* ]]
    nothing_left out/x.sif
}

@test "a directory with entries replaced by a file: the whiteouts umoci writes under the file remove nothing" {
    builds_as "$OCI/replaced.listing" out/x.sif "oci:$OCI/replaced:latest"
}

@test "crafted: an opaque directory (.wh..wh..opq) hides what lower layers had in it" {
    builds_as "$CRAFTED/opaque.listing" out/x.sif "oci:$CRAFTED/opaque:latest"
}

@test "crafted: PAX and GNU long names and link targets, big ids, UTF-8, ./ // and /./ in names" {
    builds_as "$CRAFTED/names.listing" out/x.sif "oci:$CRAFTED/names:latest"
}

@test "crafted: hard links to an earlier layer's files keep their content when the target goes or changes" {
    builds_as "$CRAFTED/hardlinks.listing" out/x.sif "oci:$CRAFTED/hardlinks:latest"
    [ "$(image_cat out/x.sif h/link-to-deleted)" = "content of the deleted" ]
    [ "$(image_cat out/x.sif h/link-to-replaced)" = "old content" ]
}

@test "crafted: sparse files in GNU's old format and PAX 1.0" {
    builds_as "$CRAFTED/sparse.listing" out/x.sif "oci:$CRAFTED/sparse:latest"
}

@test "crafted: zstd-compressed layers" {
    builds_as "$CRAFTED/zstd.listing" out/x.sif "oci:$CRAFTED/zstd:latest"
}

@test "crafted: a file through a symlink to a directory lands inside the root, as umoci puts it" {
    # umoci follows the link within the root (as containers/image and Docker do), and so does hpc:
    # the file is where umoci's root unpack has it, never outside.
    "$HPC" --quiet build out/x.sif "oci:$CRAFTED/symlink-through:latest"
    same_tree "$CRAFTED/symlink-through.listing" out/x.sif
}

@test "crafted: a layer of 100,000 entries, in bounded memory" {
    build_within_256_mib out/many.sif "oci:$CRAFTED/many-entries:latest"
    run bash -c "unsquashfs -l -o $(squashfs_offset out/many.sif) out/many.sif | grep -c '^squashfs-root/many/d[0-9][0-9]/f[0-9][0-9][0-9]\$'"
    [ "$output" = 100000 ]
    [ "$(image_cat out/many.sif many/d42/f123)" = "d42/f123" ]
    [ "$(image_cat out/many.sif many/d99/f999)" = "d99/f999" ]
}

@test "crafted: a 10 GiB sparse file: holes stay holes, the data where it was, in bounded memory" {
    build_within_256_mib out/big.sif "oci:$CRAFTED/sparse-10g:latest"
    [ "$(stat -c %s out/big.sif)" -lt $((16 * MIB)) ]
    run "$HPC" exec out/big.sif stat -c %s /big
    [ "$output" = 10737418240 ]
    # block NUMBER: the 4 KiB block NUMBER of /big, read by the image's dd, as "CHARACTER COUNT"
    # for each byte value in it.
    block() {
        "$HPC" exec out/big.sif dd if=/big bs=4096 skip="$1" count=1 2>/dev/null | od -An -c -v |
            tr -s ' \n' '\n\n' | grep -v '^$' | sort | uniq -c | awk '{ print $2, $1 }'
    }
    [ "$(block 0)" = "H 4096" ]
    [ "$(block 1)" = '\0 4096' ]
    [ "$(block $((5 * 262144)))" = "M 4096" ]
    [ "$(block $((7 * 262144)))" = '\0 4096' ]
    [ "$(block $((10 * 262144 - 1)))" = "T 4096" ]
}

@test "refused (65): entries that would land outside the root, named with their layer" {
    refused 65 "oci:$CRAFTED/dotdot:latest" "$CRAFTED/dotdot" "$(short_digest "$CRAFTED/dotdot" 1)" "../escape"
    refused 65 "oci:$CRAFTED/absolute:latest" "$CRAFTED/absolute" "$(short_digest "$CRAFTED/absolute" 1)" "/etc/absolute"
    refused 65 "oci:$CRAFTED/hardlink-escape:latest" "$CRAFTED/hardlink-escape" \
        "$(short_digest "$CRAFTED/hardlink-escape" 1)" "fine/link" "a hard link to '../../etc/shadow'"
}

@test "refused (65): a truncated blob, a truncated tar in a whole gzip stream, a digest mismatch" {
    refused 65 "oci:$CRAFTED/truncated-blob:latest" "$CRAFTED/truncated-blob" "$(short_digest "$CRAFTED/truncated-blob" 1)"
    refused 65 "oci:$CRAFTED/truncated-tar:latest" "$CRAFTED/truncated-tar" "$(short_digest "$CRAFTED/truncated-tar" 1)"
    refused 65 "oci:$CRAFTED/digest-mismatch:latest" "$CRAFTED/digest-mismatch" \
        "$(short_digest "$CRAFTED/digest-mismatch" 1)" "digest mismatch"
    refused 65 "oci:$CRAFTED/missing-blob:latest" "$CRAFTED/missing-blob" "$(short_digest "$CRAFTED/missing-blob" 1)"
}

@test "refused (65): invalid JSON in the index, manifest or config, no config, an unknown layer type" {
    refused 65 "oci:$CRAFTED/bad-index-json:latest" "$CRAFTED/bad-index-json" "index.json" "JSON"
    refused 65 "oci:$CRAFTED/bad-manifest-json:latest" "$CRAFTED/bad-manifest-json" \
        "$(short_digest "$CRAFTED/bad-manifest-json" manifest)" "JSON"
    refused 65 "oci:$CRAFTED/bad-config-json:latest" "$CRAFTED/bad-config-json" \
        "$(short_digest "$CRAFTED/bad-config-json" config)" "JSON"
    refused 65 "oci:$CRAFTED/no-config:latest" "$CRAFTED/no-config" \
        "$(short_digest "$CRAFTED/no-config" manifest)" "config"
    refused 65 "oci:$CRAFTED/unknown-media-type:latest" "$CRAFTED/unknown-media-type" \
        "application/vnd.example.layer.v1.tar+lz4"
}

@test "refused (65): a truncated oci-archive or docker-archive, a file that is no archive" {
    head -c $(($(stat -c %s "$OCI/rules.oci.tar") / 2)) "$OCI/rules.oci.tar" >cut.oci.tar
    head -c $(($(stat -c %s "$OCI/rules.docker.tar") / 2)) "$OCI/rules.docker.tar" >cut.docker.tar
    head -c 100000 /dev/urandom >noise.tar
    refused 65 "oci-archive:$work/cut.oci.tar:rules" "$work/cut.oci.tar"
    refused 65 "docker-archive:$work/cut.docker.tar" "$work/cut.docker.tar"
    refused 65 "oci-archive:$work/noise.tar" "$work/noise.tar"
    refused 65 "docker-archive:$work/noise.tar" "$work/noise.tar"
}

@test "refused (66): a missing layout or archive, a missing tag" {
    refused 66 "oci:$work/no-such-layout" "$work/no-such-layout"
    refused 66 "oci-archive:$work/no-such.tar" "$work/no-such.tar"
    refused 66 "docker-archive:$work/no-such.tar" "$work/no-such.tar"
    refused 66 "oci:$OCI/rules:no-such-tag" "no-such-tag"
    refused 66 "oci-archive:$OCI/rules.oci.tar:no-such-tag" "no-such-tag"
    refused 66 "docker-archive:$OCI/rules.docker.tar:example.org/none:2" "example.org/none:2"
}

@test "a definition whose oci-archive is broken is refused like the command line's, nothing left" {
    printf 'Bootstrap: oci-archive\nFrom: %s\n\n%%post\n    echo never\n' "$CRAFTED/none.tar" >missing.def
    run --separate-stderr "$HPC" --quiet build out/x.sif missing.def
    [ "$status" -eq 66 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "hpc: "*"$CRAFTED/none.tar"* ]]
    nothing_left out/x.sif
    head -c $(($(stat -c %s "$OCI/rules.oci.tar") / 2)) "$OCI/rules.oci.tar" >cut.tar
    printf 'Bootstrap: oci-archive\nFrom: %s\n\n%%post\n    echo never\n' "$work/cut.tar" >cut.def
    run --separate-stderr "$HPC" --quiet build out/x.sif cut.def
    [ "$status" -eq 65 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "$stderr" == "hpc: "*"$work/cut.tar"* ]]
    [[ "$stderr" != *never* ]]
    nothing_left out/x.sif
}

@test "Ctrl-C during an OCI build leaves no DEST and no temporary file" {
    "$HPC" build out/many.sif "oci:$CRAFTED/many-entries:latest" 2>log &
    local builder=$!
    # Interrupt once the build has started writing (something beside DEST, or in TMPDIR).
    for _ in $(seq 200); do
        [ -z "$(ls -A out)$(ls -A tmp)" ] || break
        sleep 0.05
    done
    kill -INT "$builder" 2>/dev/null || true  # it may have ended already: its status says how
    status=0
    wait "$builder" || status=$?
    [ "$status" -ne 0 ] || skip "the build ended before the signal came"
    [ "$status" -eq 130 ]
    nothing_left out/many.sif
}
