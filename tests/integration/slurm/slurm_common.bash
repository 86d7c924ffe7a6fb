# What the Slurm test files share (slurm.bats on one node, multinode.bats on several): time-limited
# Slurm and MPI commands, ending jobs, the processes they leave, FUSE connections, waiting.
# Loaded by both after tests/integration/common.bash.

MPI_SIF=${HPC_TEST_MPI_IMAGE:?}  # debian-mpi.def: Debian 12 with Open MPI's runtime
HELLO=${HPC_TEST_HELLO:?}        # hello_allreduce, compiled on the host with mpicc
MARKER="hpc test image debian-mpi"  # the image's /etc/hpc-test-image
BIG=16777216                     # bytes of hello_allreduce's ring message: the large-message path

setup() {
    work=$(scratch_dir)  # outside /tmp for several nodes, each of which has its own (the runner's TMPDIR)
    chmod 0755 "$work"
    cd "$work"
}

teardown() {
    end_jobs
    # What a failed test left running is not left to the next one.
    local left
    left=$(strays | awk '{ print $1 }')
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
}

# Slurm and MPI commands under a time limit, so that a hang fails its test rather than the run.
srun() { timeout 120 "$(type -P srun)" "$@"; }
sbatch() { timeout 180 "$(type -P sbatch)" "$@"; }
mpirun() { timeout 120 "$(type -P mpirun)" "$@"; }

# Cancels this user's jobs and waits until none is left.
end_jobs() {
    command scancel --user "$USER" 2>/dev/null || true
    for _ in $(seq 100); do
        [ -z "$(squeue -h -u "$USER" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    echo "jobs still queued: $(squeue -u "$USER")"
    return 1
}

need_plugin() {
    [ -n "${HPC_TEST_PLUGIN:-}" ] || {
        echo "the SPANK plugin is not built (BUILD/slurm/spank_hpc.so is missing)"
        return 1
    }
}
need_scripts() {
    [ "${HPC_TEST_SCRIPTS:-}" = prolog,epilog ] || {
        echo "the Prolog and Epilog are not built (BUILD/hpc-slurm-prolog, hpc-slurm-epilog; have: ${HPC_TEST_SCRIPTS:-none})"
        return 1
    }
}

# Processes of Slurm's jobs still there: this user's processes that carry a SLURM_JOB_ID or run
# below a slurmstepd, and that these tests did not start themselves (below $HPC_TEST_TOP, the shell
# that started bats, an srun for instance). Not "every process of the user": others may use the
# test user at the same time (another test run, a build). Zombies are not counted.
strays() {
    local pid stepd
    ps -e -o pid= -o ppid= -o uid= -o stat= -o comm= |
        awk -v uid="$(id -u)" -v top="${HPC_TEST_TOP:?}" '
            { parent[$1] = $2; owner[$1] = $3; state[$1] = $4; comm[$1] = $5 }
            END {
                for (p in parent) {
                    if (owner[p] != uid || state[p] ~ /^Z/) continue
                    stepd = 0
                    for (a = p; a > 1 && a != top; a = parent[a]) if (comm[a] == "slurmstepd") stepd = 1
                    if (a != top) print p, stepd
                }
            }' |
        while read -r pid stepd; do
            if [ "$stepd" = 1 ] || tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -q '^SLURM_JOB_ID='; then
                ps -o pid=,ppid=,stat=,args= -p "$pid" || true
            fi
        done
}

# FUSE mounts in the host's mount table (hpc's own are in namespaces of their own: none expected).
host_fuse_mounts() { awk '$3 ~ /^fuse(\.|$)/' /proc/mounts | wc -l; }
# The FUSE connection of a superblock whose device's minor is $1 (anonymous devices have major 0),
# in fusectl (mounted by the runner), which lists every live connection in any namespace: there
# as long as a mount or its server is.
fuse_connection() { echo "/sys/fs/fuse/connections/$1"; }

# wait_until SECONDS COMMAND...: until COMMAND succeeds, or fails after SECONDS.
wait_until() {
    local tries=$(($1 * 10))
    shift
    for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.1; done
    "$@"
}
no_strays() { [ -z "$(strays)" ]; }
strays_running() { strays | grep -q -- "$1"; }
# job_processes JOB NAME: the PIDs of this user's processes named NAME in Slurm job JOB.
job_processes() {
    local pid
    for pid in $(pgrep -u "$(id -u)" -x "$2"); do
        if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "SLURM_JOB_ID=$1"; then echo "$pid"; fi
    done
}
# hello_ok N [HOST...]: the lines of "rank R of N on HOST" hello_allreduce printed, and its sum,
# for N ranks on these hosts (this one by default).
hello_ok() {
    local n=$1 r
    shift
    local hosts=("${@:-$(hostname -s)}")
    for r in $(seq 0 $((n - 1))); do
        local found=
        for host in "${hosts[@]}"; do [[ "$output" == *"rank $r of $n on $host"* ]] && found=1; done
        [ -n "$found" ] || { echo "no rank $r of $n on ${hosts[*]}"; return 1; }
    done
    [[ "$output" == *"ring of $BIG bytes: ok"* ]] || { echo "the ring message failed"; return 1; }
    [[ "$output" == *"sum $((n * (n - 1) / 2)) expected $((n * (n - 1) / 2))"* ]] || { echo "a wrong sum"; return 1; }
}
