# Shared by the benchmarks: run as an unprivileged user, make busybox images, print ratios.
# Benchmarks are measurements, never tests: they print figures and do not pass or fail.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HPC=${HPC:-$bench_root/build/hpc}

# Re-runs the calling script as the unprivileged test user when started as root, from a
# world-readable copy of the binary (the checkout may be under /root).
run_as_user() {
    [ "$(id -u)" = 0 ] || return 0
    local user=${HPC_TEST_USER:-hpctest}
    # The script's path under bench/: "startup", or "gpu/run" for one in a folder of its own
    # (found before the cd below, for a relative $0).
    local script
    script=$(realpath --relative-to="$bench_root/bench" "$0")
    "$bench_root/tests/setup/test-user" "$user"
    local work
    work=$(mktemp -d /tmp/hpc-bench.XXXXXX)
    chmod 0755 "$work"
    cp "$HPC" "$work/hpc"
    cp -r "$bench_root/bench" "$work/bench"
    chown -R "$user:" "$work"
    cd /tmp
    runuser -u "$user" -- env HPC="$work/hpc" bash "$work/bench/$script" "$@"
    local status=$?
    rm -rf "$work"
    exit $status
}

# drop_caches: the page cache, dentries and inodes dropped (as root), for a cold read.
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# as_user COMMAND...: COMMAND run as the test user $user with an ordinary user's environment and
# $work/home as its home (the caller sets both and makes the home, owned by $user).
as_user() {
    runuser -u "$user" -- env -i HOME="$work/home" USER="$user" LOGNAME="$user" \
        PATH=/usr/local/bin:/usr/bin:/bin "$@"
}

# kill_session SID: every process of session SID killed (a side's driver, started by setsid, and
# its launchers, servers and payloads), for a clean-up trap.
kill_session() {
    local pids
    mapfile -t pids < <(ps -s "$1" -o pid= || true)
    [ ${#pids[@]} = 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
}

# make_busybox_images DIR: DIR/busybox.sqfs and DIR/busybox.sif, the same squashfs bytes.
make_busybox_images() {
    local dir=$1 tree=$1/tree
    mkdir -p "$tree"/{bin,etc,home,tmp,proc,sys,dev}
    cp "$(command -v busybox || echo /bin/busybox)" "$tree/bin/busybox"
    for applet in sh true; do ln -s busybox "$tree/bin/$applet"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$tree/etc/passwd"
    echo 'root:x:0:' >"$tree/etc/group"
    mksquashfs "$tree" "$dir/busybox.sqfs" -noappend -quiet -all-root >/dev/null
    siftool new "$dir/busybox.sif" >/dev/null
    siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 --groupid 1 "$dir/busybox.sif" "$dir/busybox.sqfs" >/dev/null
}

# ratio A B: A/B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# The machine's Debian mirror, from its apt sources (never written into the repository).
debian_mirror() { "$bench_root/tests/setup/debian-mirror"; }

# A Debian minbase tree, debootstrapped from the machine's mirror by make_minbase (as root) when
# missing, and kept in $HPC_BENCH_CACHE (default /var/tmp/hpc-bench) for later runs.
bench_cache=${HPC_BENCH_CACHE:-/var/tmp/hpc-bench}
minbase=$bench_cache/minbase
make_minbase() {
    [ ! -f "$minbase/etc/debian_version" ] || return 0
    command -v debootstrap >/dev/null || { echo "$(basename "$0"): debootstrap is not installed" >&2; exit 69; }
    local mirror
    mirror=$(debian_mirror)
    echo "making a Debian minbase tree from $mirror in $minbase (kept for later runs)"
    rm -rf "$minbase"
    mkdir -p "$bench_cache"
    debootstrap --variant=minbase bookworm "$minbase" "$mirror" >"$bench_cache/debootstrap.log" 2>&1
}

# The layered Debian image of bench/oci and bench/pull, an oci-archive (tag "debian") made by
# make_debian_image (as root) when missing and kept in $bench_cache/oci: bookworm minbase
# (make_minbase's tree) as the first layer, the packages below installed over it as the second,
# and a clean-up as the third (documentation deleted: whiteouts), as a Dockerfile's FROM, RUN
# apt-get install and RUN rm would make it. Like Docker's Debian images, the layers hold no apt
# lists or caches and no device nodes.
debian_packages=python3,perl,curl,xz-utils,less
debian_image_cache=$bench_cache/oci
debian_archive=$debian_image_cache/debian.oci.tar
make_debian_image() {
    if [ ! -f "$debian_archive" ]; then
        make_minbase
        local cache=$debian_image_cache tree=$debian_image_cache/tree mirror
        local excludes=(--exclude=./dev/* --exclude=./proc/* --exclude=./sys/* --exclude=./var/lib/apt/lists/*
                        --exclude=./var/cache/apt/* --exclude=./var/cache/debconf/*-old --exclude=./var/log/*)
        mirror=$(debian_mirror)
        echo "making a layered Debian image (minbase + $debian_packages) from $mirror in $cache (kept for later runs)"
        rm -rf "$cache"
        mkdir -p "$cache"
        debootstrap --variant=minbase --include="$debian_packages" bookworm "$tree" "$mirror" >"$cache/debootstrap.log" 2>&1
        local layout=$cache/layout bundle=$cache/bundle
        umoci init --layout "$layout"
        umoci new --image "$layout:debian"
        umoci unpack --image "$layout:debian" "$bundle" >/dev/null
        tar -C "$minbase" "${excludes[@]}" -c . | tar -C "$bundle/rootfs" -x -p --same-owner
        umoci repack --refresh-bundle --image "$layout:debian" --history.created_by "debootstrap --variant=minbase" "$bundle"
        tar -C "$tree" "${excludes[@]}" -c . | tar -C "$bundle/rootfs" -x -p --same-owner
        umoci repack --refresh-bundle --image "$layout:debian" --history.created_by "apt-get install ${debian_packages//,/ }" "$bundle"
        rm -rf "$bundle"/rootfs/usr/share/doc/* "$bundle"/rootfs/usr/share/man/*
        echo "made for bench/oci" >"$bundle/rootfs/etc/bench-oci"
        umoci repack --refresh-bundle --image "$layout:debian" --history.created_by "rm -rf /usr/share/doc/* /usr/share/man/*" "$bundle"
        umoci config --image "$layout:debian" --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.cmd /bin/bash
        skopeo copy --quiet "oci:$layout:debian" "oci-archive:$debian_archive.part:debian"
        mv "$debian_archive.part" "$debian_archive"
        rm -rf "$tree" "$bundle" "$layout"
    fi
    chmod a+rx "$bench_cache" "$debian_image_cache"
    chmod a+r "$debian_archive"
}

# debian_image_sizes: "LAYERS TAR_BYTES BLOB_BYTES" of make_debian_image's archive: the number of
# layers, their bytes uncompressed, and the bytes of the blobs a pull fetches (the compressed
# layers and the config), as its manifest says.
debian_image_sizes() {
    python3 - "$debian_archive" <<'PY'
import json, sys, tarfile, zlib
archive = tarfile.open(sys.argv[1])
def blob(digest):
    return archive.extractfile("blobs/sha256/" + digest.split(":")[1]).read()
index = json.loads(archive.extractfile("index.json").read())
manifest = json.loads(blob(index["manifests"][0]["digest"]))
tar_bytes = sum(len(zlib.decompress(blob(layer["digest"]), 47)) for layer in manifest["layers"])
blob_bytes = manifest["config"]["size"] + sum(layer["size"] for layer in manifest["layers"])
print(len(manifest["layers"]), tar_bytes, blob_bytes)
PY
}

# make_minbase_images DIR: DIR/minbase.sif of the minbase tree and DIR/minbase.sqfs, the same
# squashfs bytes bare (for ch-run), both world-readable: hpc's own packing where this $HPC
# builds, else mksquashfs. Call make_minbase first.
make_minbase_images() {
    local dir=$1
    if "$HPC" --help | grep -E "^ +build " >/dev/null; then
        "$HPC" build "$dir/minbase.sif" "$minbase" >/dev/null
        siftool dump "$(siftool list "$dir/minbase.sif" | awk -F'|' '/Squashfs/ { print $1 + 0 }')" \
            "$dir/minbase.sif" >"$dir/minbase.sqfs"
    else
        mksquashfs "$minbase" "$dir/minbase.sqfs" -noappend -quiet -no-progress >/dev/null
        siftool new "$dir/minbase.sif" >/dev/null
        siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 --groupid 1 \
            "$dir/minbase.sif" "$dir/minbase.sqfs" >/dev/null
    fi
    chmod 0644 "$dir/minbase.sif" "$dir/minbase.sqfs"
}

# sif_partition_size SIF: the bytes of its squashfs partition (what to compare with a bare
# squashfs: the SIF around it is 32 KiB of header and descriptors).
sif_partition_size() { siftool list "$1" | awk -F'|' '/Squashfs/ { split($4, r, "-"); print r[2] - r[1] }'; }

# median_column FILE COLUMN: the median of a column of space-separated numbers.
median_column() {
    cut -d' ' -f"$2" "$1" | sort -n | median
}

# The median of the numbers on stdin, one per line.
median() {
    awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# make_mpi_image (as root, after $user, $work and $work/hpc are set): $mpi_image, the Debian
# image with Open MPI that tests/integration/debian-mpi.def makes with `hpc build --fakeroot` as
# the test user, kept in $bench_cache and built again (minutes) when the definition changes.
make_mpi_image() {
    local def=$bench_root/tests/integration/debian-mpi.def start
    mpi_image=$bench_cache/mpi.sif
    if cmp -s "$def" "$bench_cache/mpi.def" && [ -f "$mpi_image" ]; then return 0; fi
    echo "building debian-mpi.def as $user (kept in $bench_cache for later runs)"
    mkdir -p "$bench_cache"
    start=$SECONDS
    as_user "$work/hpc" build --fakeroot --build-arg "mirror=$(debian_mirror)" "$work/mpi.sif" "$def" \
        >"$work/build.log" 2>&1 || { echo "the MPI image's build failed:" >&2; tail -n 30 "$work/build.log" >&2; exit 1; }
    echo "  built in $((SECONDS - start)) s"
    install -m 0644 "$work/mpi.sif" "$mpi_image"
    rm -f "$work/mpi.sif"
    cp "$def" "$bench_cache/mpi.def"
}
