# Shared by the integration tests. HPC is the binary under test; HPC_TEST_IMAGES holds the
# images made by make-images. Tests run as an unprivileged user, from their home directory.
: "${HPC:?HPC must name the hpc binary}" "${HPC_TEST_IMAGES:?}"
bats_require_minimum_version 1.5.0

IMAGES=$HPC_TEST_IMAGES
PLAIN_SIF=$IMAGES/plain.sif
APP_SIF=$IMAGES/app.sif
APP_SQFS=$IMAGES/app.sqfs
APP_DIR=$IMAGES/app-dir
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IMAGE_PATH=$DEFAULT_PATH:/go/bin:/usr/local/go/bin

# A scratch directory of the test's own, visible in containers (it is under /tmp).
scratch_dir() {
    mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/hpc-XXXXXX"
}

# The byte offset of a SIF's squashfs partition, and a file of it.
squashfs_offset() { siftool list "$1" | awk -F'|' '/Squashfs/ { split($4, r, "-"); print r[1] + 0 }'; }
image_cat() { unsquashfs -o "$(squashfs_offset "$1")" -cat "$1" "$2"; }

# "UID GID MODE" of PATH in the ext3 IMAGE, as debugfs lists the directory above it.
ext3_owner() {  # ext3_owner IMAGE PATH
    local parent name
    parent=$(dirname "$2")
    name=$(basename "$2")
    debugfs -R "ls -l $parent" "$1" 2>/dev/null | awk -v name="$name" '$NF == name { print $4, $5, $2 }'
}

# This machine's architecture as OCI names it (Go's GOARCH).
host_arch() {
    case $(uname -m) in
        x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;;
    esac
}

# The files of a SIF's squashfs partition, "uid/gid path" each, as unsquashfs lists them.
image_owners() {
    local offset
    offset=$(siftool list "$1" | awk -F'|' '/Squashfs/ { split($4, r, "-"); print r[1] + 0 }')
    unsquashfs -o "$offset" -lln "$1" | awk '{ print $2, $6 }'
}

# interrupt_build [OPTIONS...] DEST DEFINITION: starts `hpc build`, waits until its %post has
# written "started" to stderr, sends it SIGINT (as ^C would), and sets $status to its exit status.
interrupt_build() {
    "$HPC" build "$@" 2>log &
    local builder=$!
    for _ in $(seq 100); do grep -q started log 2>/dev/null && break; sleep 0.1; done
    kill -INT "$builder"
    status=0
    wait "$builder" || status=$?
}

# No build left its work directory (under $TMPDIR or /tmp) behind.
no_build_left() {
    [ -z "$(ls -A "${TMPDIR:-/tmp}" | grep '^hpc-build\.' || true)" ]
}

# Makes DIR/image.sif: app-dir's tree with /data.txt, text of several blocks, and garbles the
# first data block of the file PATH (data.txt or bin/busybox), which mksquashfs stores first
# (-sort), right after the superblock: the squashfs's byte 96 no longer starts a zlib stream.
make_sif_with_garbled_block() {  # make_sif_with_garbled_block DIR PATH
    local dir=$1 path=$2
    cp -a "$APP_DIR" "$dir/tree"
    seq 1 100000 >"$dir/tree/data.txt"
    echo "$path 32767" >"$dir/sort"
    mksquashfs "$dir/tree" "$dir/image.sqfs" -noappend -quiet -all-root -sort "$dir/sort" >/dev/null
    printf '\377\377\377\377' | dd of="$dir/image.sqfs" bs=1 seek=96 conv=notrunc status=none
    run ! unsquashfs -cat "$dir/image.sqfs" "$path"
    siftool new "$dir/image.sif" >/dev/null
    siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 --groupid 1 "$dir/image.sif" "$dir/image.sqfs" >/dev/null
}

# Exactly one line on stderr ($stderr, from run --separate-stderr) speaks of the image: the
# warning of failed reads, with a count (how many depends on the kernel's readahead) and the
# first cause.
one_failed_reads_warning() {  # one_failed_reads_warning IMAGE
    local image=$1 pattern
    [ "$(grep -c -F "hpc: warning: $image: " <<<"$stderr")" -eq 1 ]
    pattern="^hpc: warning: $image: [1-9][0-9]* reads? failed \((first: )?corrupt data block at byte 96 \(does not decompress\)\)$"
    [[ "$(grep -F "hpc: warning: $image: " <<<"$stderr")" =~ $pattern ]]
}

# $dir, a fresh scratch directory holding two host directories to bind: data/file says "data",
# other/file says "other".
make_bind_sources() {
    dir=$(scratch_dir)
    mkdir -p "$dir/data" "$dir/other"
    echo data >"$dir/data/file"
    echo other >"$dir/other/file"
}
