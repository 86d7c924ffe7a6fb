# Shared by the benchmarks whose sides are pipelines of commands run by the test user, each step
# timed (bench/oci, bench/pull). The script sources common.bash and this, runs as root, sets
# bench_name and sides (an array: the sides to run, in order) and defines run_side SIDE (one run
# of SIDE's pipeline: fresh_run SIDE, its steps, end_run SIDE OUTPUT_BYTES) and side_label SIDE
# (what the side's row says it is).
#
# Measured with GNU time around each step: %e (wall), %M (peak RSS: the largest process of the
# step, its children included; a pipeline's is the largest of its steps') and %O, file system
# outputs in 512-byte units: on Linux that is the write_bytes of /proc/PID/io (bytes the step
# caused to be written to storage, counted when a page is dirtied, so a temporary file removed
# before it reaches the disk still counts) summed over the step and the children it waited for.
# A pipeline's bytes are the sum over its steps. The work directory is under /var/tmp, on disk:
# writes to a tmpfs are not counted in write_bytes.

has_side() { [[ " ${sides[*]} " == *" $1 "* ]]; }

# need_tools TOOL...: every one installed, else the first missing one said and exit 69.
need_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || {
            echo "$bench_name: $tool is not installed (HPC_BENCH_SIDES picks fewer sides, and needs fewer tools)" >&2
            exit 69
        }
    done
}

# pipeline_work: the test user made; $work, a fresh directory under /var/tmp, removed on exit
# (the registry stopped first, if one was started); in it $user_dir, the user's home, with the
# copy of hpc the hpc side runs; as_user, what runs a command as the user with an ordinary
# user's environment, TMPDIR on disk. Sets user, cpus, work, user_dir, as_user.
pipeline_work() {
    user=${HPC_TEST_USER:-hpctest}
    "$bench_root/tests/setup/test-user" "$user"
    cpus=$(nproc)
    work=$(mktemp -d "/var/tmp/hpc-bench-$bench_name.XXXXXX")
    chmod 0755 "$work"
    trap 'stop_bench_registry; rm -rf --one-file-system "$work"' EXIT
    trap 'exit 130' INT TERM HUP  # the EXIT trap then stops the registry
    user_dir=$work/user
    mkdir "$user_dir"
    ! has_side hpc || cp "$HPC" "$user_dir/hpc"
    # ch-image's build cache commits with git, which refuses to without an identity: the test user
    # has no full name and this machine no mail domain to make one from. An ordinary user has one set.
    printf '[user]\n\tname = %s\n\temail = %s@localhost\n' "$user" "$user" >"$user_dir/.gitconfig"
    chown -R "$user:" "$user_dir"
    cd "$work"
    as_user=(runuser -u "$user" -- env -i HOME="$user_dir" USER="$user" LOGNAME="$user" TMPDIR="$user_dir/tmp"
             PATH=/usr/local/bin:/usr/bin:/bin)
}

# start_bench_registry SOURCE NAME:TAG: tests/setup/registry's docker-registry run by the test user
# on 127.0.0.1, https with a CA of its own (made for this run: no trust store changes), its
# storage in $user_dir/registry, SOURCE pushed to it once (untimed); stopped by its PID on exit.
# Sets registry_dir (its CA is $registry_dir/ca.pem, and $registry_dir/certs the folder skopeo's
# --src-cert-dir takes) and registry_image (127.0.0.1:PORT/NAME:TAG).
start_bench_registry() {
    registry_tool=$work/registry
    cp "$bench_root/tests/setup/registry" "$registry_tool"
    chmod 0755 "$registry_tool"
    registry_dir=$user_dir/registry
    "${as_user[@]}" "$registry_tool" start "$registry_dir" --tls
    "$registry_tool" push "$registry_dir" "$1" "$2"
    registry_image=127.0.0.1:$(cat "$registry_dir/port")/$2
}
stop_bench_registry() {
    [ -z "${registry_dir:-}" ] || "$registry_tool" stop "$registry_dir" || true
}

# step SIDE NAME COMMAND...: one timed step of SIDE's pipeline, run as the test user, "seconds
# peak_kib written_bytes" appended to $work/SIDE.steps, and with NAME in front to
# $work/SIDE.all-steps; the end of its output on failure.
step() {
    local side=$1 name=$2
    shift 2
    /usr/bin/time -f "%e %M %O" -o "$work/time" "${as_user[@]}" "$@" >>"$work/$side.log" 2>&1 || {
        echo "$bench_name: the $side side failed at: $*; the end of its output:" >&2
        tail -n 30 "$work/$side.log" >&2
        exit 1
    }
    awk '{ print $1, $2, $3 * 512 }' "$work/time" >>"$work/$side.steps"
    echo "$name $(tail -n 1 "$work/$side.steps")" >>"$work/$side.all-steps"
}

# fresh_run SIDE: an empty $user_dir/out and $user_dir/tmp for SIDE's next run, and nothing of
# earlier runs left dirty to be written during it.
fresh_run() {
    rm -rf --one-file-system "${user_dir:?}/out" "$user_dir/tmp" "$work/$1.steps"
    "${as_user[@]}" mkdir "$user_dir/out" "$user_dir/tmp"
    sync
}

# end_run SIDE OUTPUT_BYTES: "wall peak_kib written output_bytes" of the run's steps appended to
# $work/SIDE.times.
end_run() {
    awk -v output="$2" '{ wall += $1; if ($2 > rss) rss = $2; bytes += $3 }
        END { printf "%.2f %d %d %d\n", wall, rss, bytes, output }' "$work/$1.steps" >>"$work/$1.times"
}

# run_rounds RUNS: RUNS runs of every side; the sides take turns, and swap which goes first every
# run, so that a machine that slows down or speeds up affects them alike.
run_rounds() {
    local run side order
    for run in $(seq "$1"); do
        if [ $((run % 2)) = 1 ]; then order=("${sides[@]}"); else mapfile -t order < <(printf '%s\n' "${sides[@]}" | tac); fi
        for side in "${order[@]}"; do run_side "$side"; done
    done
}

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
# med SIDE COLUMN: the median of a column of SIDE's runs (1 wall, 2 peak KiB, 3 written, 4 output).
med() { median_column "$work/$1.times" "$2"; }

# print_sides: a row of medians per side, then each pipeline of several steps by step.
print_sides() {
    local side name
    printf '  %-46s %9s %13s %12s %14s\n' side "wall s" "peak RSS MiB" "written MiB" "output bytes"
    for side in "${sides[@]}"; do
        printf '  %-46s %9.2f %13.1f %12.1f %14d\n' "$(side_label "$side")" "$(med "$side" 1)" \
            "$(awk -v k="$(med "$side" 2)" 'BEGIN { print k / 1024 }')" "$(mib "$(med "$side" 3)")" "$(med "$side" 4)"
    done
    for side in "${sides[@]}"; do
        [ "$(cut -d' ' -f1 "$work/$side.all-steps" | sort -u | wc -l)" -gt 1 ] || continue
        echo "  $side, by step:"
        while IFS= read -r name; do
            grep -F "$name " "$work/$side.all-steps" | sed "s/^$name //" >"$work/one-step"
            printf '    %-14s %7.2f %13.1f %12.1f\n' "$name" "$(median_column "$work/one-step" 1)" \
                "$(awk -v k="$(median_column "$work/one-step" 2)" 'BEGIN { print k / 1024 }')" \
                "$(mib "$(median_column "$work/one-step" 3)")"
        done < <(awk '!seen[$0]++' <(sed -E 's/ [0-9.]+ [0-9]+ [0-9]+$//' "$work/$side.all-steps"))
    done
}
