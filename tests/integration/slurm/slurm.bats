#!/usr/bin/env bats
# hpc under Slurm and MPI, on the one-node cluster tests/integration/slurm/run brings up:
#   hybrid     srun, sbatch and mpirun launching `hpc exec IMAGE PROGRAM` per rank
#   plugin     the SPANK plugin's --hpc-* options of srun and sbatch (slurm/spank_hpc.so)
#   scripts    the Prolog and Epilog (hpc-slurm-prolog, hpc-slurm-epilog)
# The tests of the plugin and the scripts fail, saying so, where the build has not made them.
# Run by tests/integration/slurm/run (as root), never by the generic per-file runner.
load common
load slurm_common

node_state() { sinfo -h -N -n "$(hostname -s)" -o %T; }
node_idle() { [ "$(node_state)" = idle ]; }

# Hybrid: Slurm or mpirun start `hpc exec` per rank.

@test "hybrid: srun -n 2 hpc exec runs both tasks in the image, with Slurm's variables" {
    run --separate-stderr srun -n 2 "$HPC" exec "$MPI_SIF" sh -c 'echo "$SLURM_PROCID $(cat /etc/hpc-test-image)"'
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | sort)" = "0 $MARKER"$'\n'"1 $MARKER" ]
}

@test "hybrid: srun passes the task's exit code through hpc exec" {
    run srun -n 1 "$HPC" exec "$MPI_SIF" sh -c 'exit 7'
    [ "$status" -eq 7 ]
}

@test "hybrid: sbatch --wait of a script launching hpc exec with srun and mpirun" {
    cat >job.sh <<EOF
#!/bin/bash
#SBATCH -n 2
#SBATCH -o $work/job.out
set -e
srun -n 2 "$HPC" exec "$MPI_SIF" cat /etc/hpc-test-image
srun --mpi=pmix -n 2 "$HPC" exec "$MPI_SIF" "$HELLO" $BIG
mpirun -n 2 "$HPC" exec "$MPI_SIF" "$HELLO" $BIG
EOF
    run sbatch --wait job.sh
    [ "$status" -eq 0 ]
    output=$(cat job.out)
    [ "$(grep -c "^$MARKER\$" job.out)" -eq 2 ]
    [ "$(grep -c "^sum 1 expected 1\$" job.out)" -eq 2 ]
    hello_ok 2
}

@test "hybrid: sbatch --wait gives the batch script's failure" {
    run sbatch --wait -o /dev/null --wrap "\"$HPC\" exec \"$MPI_SIF\" sh -c 'exit 3'"
    [ "$status" -eq 3 ]
}

@test "hybrid: srun --mpi=pmix -n 2 hpc exec hello_allreduce" {
    run srun --mpi=pmix -n 2 "$HPC" exec "$MPI_SIF" "$HELLO" $BIG
    [ "$status" -eq 0 ]
    hello_ok 2
}

@test "hybrid: srun --mpi=pmix: the PMIx server's directory is there in the container (no PMIX ERROR)" {
    run srun --mpi=pmix -n 1 "$HPC" exec "$MPI_SIF" sh -c 'ls -d "$PMIX_SERVER_TMPDIR"'
    [ "$status" -eq 0 ]
    run srun --mpi=pmix -n 2 "$HPC" exec "$MPI_SIF" "$HELLO" $BIG
    [ "$status" -eq 0 ]
    [[ "$output" != *"PMIX ERROR"* ]]
    hello_ok 2
}

@test "hybrid: mpirun -n 2 hpc exec hello_allreduce, through shared memory and CMA between the containers" {
    # vader (shared memory) alone, its single copies forced to CMA: process_vm_readv of the other
    # rank's memory, which needs both ranks in one PID namespace and ptrace's permission.
    run mpirun -n 2 --mca btl self,vader --mca btl_vader_single_copy_mechanism cma \
        "$HPC" exec "$MPI_SIF" "$HELLO" $BIG
    [ "$status" -eq 0 ]
    hello_ok 2
    [[ "$output" != *"unable to attach"* ]] && [[ "$output" != *ptrace* ]] && [[ "$output" != *"CMA"* ]]
}

@test "hybrid: a daemon a task leaves in its container is gone when the job is" {
    run srun -n 1 "$HPC" exec "$MPI_SIF" sh -c 'setsid sleep 1000 >/dev/null 2>&1 </dev/null &'
    [ "$status" -eq 0 ]
    wait_until 10 no_strays || { strays; false; }
}

# The SPANK plugin: srun and sbatch --hpc-* options.

@test "plugin: srun -n 2 --hpc-image runs each task in the image" {
    need_plugin
    run --separate-stderr srun -n 2 --hpc-image="$MPI_SIF" cat /etc/hpc-test-image
    [ "$status" -eq 0 ]
    [ "$output" = "$MARKER"$'\n'"$MARKER" ]
}

@test "plugin: --hpc-bind, --hpc-env and --hpc-pwd" {
    need_plugin
    mkdir -p one two
    echo first >one/file
    echo second >two/file
    run --separate-stderr srun -n 1 --hpc-image="$MPI_SIF" --hpc-bind="$work/one:/mnt/one,$work/two:/mnt/two" \
        --hpc-env=GREETING=hello,OTHER=there --hpc-pwd=/mnt/one \
        sh -c 'cat file /mnt/two/file; echo "$GREETING $OTHER"; pwd'
    [ "$status" -eq 0 ]
    [ "$output" = "first"$'\n'"second"$'\n'"hello there"$'\n'"/mnt/one" ]
    # A bind with no destination lands at its own path.
    run --separate-stderr srun -n 1 --hpc-image="$MPI_SIF" --hpc-bind="$work/two" --hpc-pwd=/ cat "$work/two/file"
    [ "$output" = second ]
}

@test "plugin: --hpc-network=none leaves the tasks only loopback" {
    need_plugin
    # /proc/net/dev: the reader's network namespace, with no tool needed in the image
    run --separate-stderr srun -n 1 --hpc-image="$MPI_SIF" --hpc-network=none sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
    [ "$status" -eq 0 ]
    [ "$output" = lo ]
    run --separate-stderr srun -n 1 --hpc-image="$MPI_SIF" --hpc-network=host sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort"
    [ "$output" = "$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort)" ]
}

@test "plugin: --hpc-writable-tmpfs lets the task write the image's root; without it, not" {
    need_plugin
    run --separate-stderr srun -n 1 --hpc-image="$MPI_SIF" --hpc-writable-tmpfs sh -c 'echo written >/newfile && cat /newfile'
    [ "$status" -eq 0 ]
    [ "$output" = written ]
    run srun -n 1 --hpc-image="$MPI_SIF" sh -c 'echo written >/newfile'
    [ "$status" -ne 0 ]
}

@test "plugin: --hpc-nv on a node without NVIDIA's driver warns and runs the task" {
    need_plugin
    # The test is of the missing driver: where the node has one, --nv binds it and there is no warning.
    [ ! -e /proc/driver/nvidia/version ] || skip "this node has an NVIDIA driver"
    run --separate-stderr srun -n 1 --hpc-image="$MPI_SIF" --hpc-nv true
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"--nv: no NVIDIA driver found"* ]]
}

@test "plugin: --hpc-stage runs the image" {
    need_plugin
    run --separate-stderr srun -n 2 --hpc-image="$MPI_SIF" --hpc-stage cat /etc/hpc-test-image
    [ "$status" -eq 0 ]
    [ "$output" = "$MARKER"$'\n'"$MARKER" ]
}

@test "plugin: a task's exit code reaches srun" {
    need_plugin
    run srun -n 1 --hpc-image="$MPI_SIF" sh -c 'exit 7'
    [ "$status" -eq 7 ]
}

@test "plugin: the tasks on a node share one mount of the image" {
    need_plugin
    # The device of an image file is its filesystem's: one FUSE superblock, one device, however
    # many mount namespaces show it. (Mount ids differ per namespace, and FUSE's statfs gives no
    # filesystem id, so neither would tell.) Each task stays long enough for the other to join.
    run --separate-stderr srun -n 2 --hpc-image="$MPI_SIF" sh -c 'stat -c %d /usr/bin/hostname; sleep 1'
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = "${lines[1]}" ]
    [ "${lines[0]}" != "$(stat -c %d /usr/bin/hostname)" ]  # not the host's
}

@test "plugin: sbatch --wait --hpc-image runs the batch script in the image" {
    need_plugin
    run sbatch --wait --hpc-image="$MPI_SIF" -o "$work/job.out" --wrap 'cat /etc/hpc-test-image; exit 4'
    [ "$status" -eq 4 ]
    [ "$(cat job.out)" = "$MARKER" ]
}

@test "plugin: srun --mpi=pmix -n 2 --hpc-image hello_allreduce" {
    need_plugin
    run srun --mpi=pmix -n 2 --hpc-image="$MPI_SIF" "$HELLO" $BIG
    [ "$status" -eq 0 ]
    [[ "$output" != *"PMIX ERROR"* ]]
    hello_ok 2
}

@test "plugin: scancel of a running step leaves no process of the user and no FUSE mount" {
    need_plugin
    mounts=$(host_fuse_mounts)
    srun -n 1 --hpc-image="$MPI_SIF" sh -c "stat -c %Ld /usr/bin/hostname >$work/minor; exec sleep 313" >srun.log 2>&1 &
    step=$!
    running() { [ -s minor ] && [ "$(squeue -h -u "$USER" -o %T)" = RUNNING ] && [ -n "$(strays | grep 'sleep 313')" ]; }
    wait_until 30 running || { cat srun.log; false; }
    connection=$(fuse_connection "$(cat minor)")
    [ -d "$connection" ]  # the step's image is served through it
    command scancel --user "$USER"
    status=0
    wait "$step" || status=$?
    [ "$status" -ne 0 ]
    # Not `pgrep -u USER`: other runs may use the test user at the same time (see strays).
    wait_until 15 no_strays || { strays; false; }
    wait_until 5 test ! -e "$connection" || { echo "$connection is still there"; false; }
    [ "$(host_fuse_mounts)" -eq "$mounts" ]
}

# The Prolog and Epilog.

@test "scripts: a job's broken image fails the job with hpc's error and leaves the node idle" {
    need_plugin
    need_scripts
    bad=$IMAGES/bad-truncated.sif
    error=$("$HPC" exec "$bad" true 2>&1 || true)  # hpc's one line about it
    [ -n "$error" ]
    run srun -n 1 --hpc-image="$bad" true
    [ "$status" -ne 0 ]
    [[ "$output" == *"$error"* ]]
    wait_until 10 node_idle || { node_state; sinfo -R; false; }
    # The node takes the next job.
    run --separate-stderr srun -n 1 --hpc-image="$MPI_SIF" cat /etc/hpc-test-image
    [ "$output" = "$MARKER" ]
}

@test "scripts: the Epilog ends what a job's containers left running" {
    need_plugin
    need_scripts
    run srun -n 1 --hpc-image="$MPI_SIF" sh -c 'setsid sleep 1000 >/dev/null 2>&1 </dev/null &'
    [ "$status" -eq 0 ]
    wait_until 10 no_strays || { strays; false; }
    # The Epilog has ended the daemon and the image's lingering server; the node is idle once it returns.
    wait_until 10 node_idle || { node_state; false; }
}

# kill_hpc_then_epilog SRUN_ARGS...: a step (srun SRUN_ARGS... sh -c SCRIPT) whose payload leaves a
# daemon; its hpc processes are then SIGKILLed, so that hpc cannot end the daemon itself, and the
# payload is told to end. Slurm's process tracking no longer sees the daemon (it was reparented
# when its parent went): only the Epilog ends it. (A payload left running after its hpc was killed
# would be out of Slurm's sight too, and hold the job in COMPLETING until it ended by itself.)
kill_hpc_then_epilog() {
    srun -n 1 "$@" sh -c "setsid sleep 1002 >/dev/null 2>&1 </dev/null & echo \$SLURM_JOB_ID >$work/job
                          until [ -e $work/stop ]; do sleep 0.1; done" >srun.log 2>&1 &
    local step=$!
    wait_until 30 test -s job || { cat srun.log; false; }
    wait_until 10 strays_running "sleep 1002"
    local pids
    pids=$(job_processes "$(cat job)" hpc)
    [ -n "$pids" ] || { echo "no hpc process in job $(cat job)"; strays; false; }
    kill -KILL $pids
    touch stop
    wait "$step" || true
    wait_until 15 no_strays || { strays; false; }
}

@test "scripts: the Epilog ends a job's instances, and a later instance list forgets them" {
    need_scripts
    # The instance's launcher runs detached, out of the job's process tree: Slurm's tracking
    # (proctrack/linuxproc here) loses it; the Epilog finds it by the job's id.
    printf '#!/bin/sh\n"%s" instance start "%s" in-job && "%s" instance list >"%s/listed"\n' \
        "$HPC" "$MPI_SIF" "$HPC" "$work" >job.sh
    run sbatch --wait -o "$work/job.out" job.sh
    [ "$status" -eq 0 ] || { cat job.out; false; }
    grep -q '^in-job ' listed
    wait_until 15 no_strays || { strays; false; }
    run "$HPC" instance list
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [ ! -e "$HOME/.hpc/instances/app/$(hostname)/$(id -un)/in-job.json" ]
}

@test "scripts: a shared mount's lingering server ends with its job" {
    need_scripts
    # It would stay 10 minutes; the Epilog ends it with the batch job (it carries the job's id).
    printf '#!/bin/sh\n"%s" exec --share-linger 600 "%s" true && pgrep -f "hpc.* exec .*--share-linger 600" >"%s/lingering"\n' \
        "$HPC" "$MPI_SIF" "$work" >job.sh
    run sbatch --wait -o "$work/job.out" job.sh
    [ "$status" -eq 0 ] || { cat job.out; false; }
    [ -s lingering ]
    wait_until 15 no_strays || { strays; false; }
}

@test "scripts: the Epilog ends a daemon whose container's hpc was killed (plugin)" {
    need_plugin
    need_scripts
    kill_hpc_then_epilog --hpc-image="$MPI_SIF"
}

@test "scripts: the Epilog ends a daemon whose container's hpc was killed (hybrid)" {
    need_scripts
    kill_hpc_then_epilog "$HPC" exec "$MPI_SIF"
}
