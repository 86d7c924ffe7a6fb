#!/usr/bin/env bats
# hpc across the nodes of the multi-node cluster tests/integration/slurm/run brings up after
# slurm.bats (tests/setup/slurm-cluster up --nodes 3): n1, n2 and n3, each slurmd in a network,
# UTS and mount namespace of its own with its own /tmp. Everything the tasks run sits outside /tmp.
# Run by tests/integration/slurm/run (as root), never by the generic per-file runner.
load common
load slurm_common

NODES=(n1 n2 n3)

# The node a process of this machine runs on: the one whose network namespace it is in.
node_of() {
    local net node
    net=$(readlink "/proc/$1/ns/net" 2>/dev/null) || return 1
    for node in "${NODES[@]}"; do
        [ "$net" = "net:[$(stat -L -c %i "/run/netns/hpc$node")]" ] && { echo "$node"; return 0; }
    done
    echo host
}

# lose_node NODE: asks the runner's root helper to kill everything on NODE, and waits until it has.
lose_node() {
    echo "$1" >"${HPC_TEST_KILL_NODE:?}"
    wait_until 10 test -e "$HPC_TEST_KILL_NODE.$1" || { echo "the helper did not kill $1"; return 1; }
}

# The PIDs of the stray processes running `sleep SECONDS` (not the hpc whose command line says so).
sleeping() { strays | awk -v seconds="$1" '$4 == "sleep" && $5 == seconds { print $1 }'; }
node_idle() { [ "$(sinfo -h -N -n "$1" -o %T)" = idle ]; }

# "NODE DEVICE" for each task of `srun ARGS... sh -c 'stat -c %d FILE'`, sorted.
nodes_and_devices() {
    srun "$@" sh -c 'echo "$(hostname) $(stat -c %d /usr/bin/hostname)"; sleep 1' | sort
}

@test "placement: srun -N2 -n4 --ntasks-per-node=2 hpc exec puts two tasks on each node, in the image" {
    run --separate-stderr srun -N2 -n4 --ntasks-per-node=2 "$HPC" exec "$MPI_SIF" sh -c 'echo "$(hostname) $SLURM_PROCID $(cat /etc/hpc-test-image)"'
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | awk '{ print $1 }' | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" = "2 2 " ]
    [ "$(echo "$output" | awk '{ print $2 }' | sort -n | tr '\n' ' ')" = "0 1 2 3 " ]
    [ "$(echo "$output" | grep -c "$MARKER\$")" -eq 4 ]
}

@test "one mount per node: a node's tasks share one FUSE superblock, each node has its own" {
    for launch in hybrid plugin; do
        if [ $launch = hybrid ]; then
            run --separate-stderr nodes_and_devices -N2 -n4 --ntasks-per-node=2 "$HPC" exec "$MPI_SIF"
        else
            need_plugin
            run --separate-stderr nodes_and_devices -N2 -n4 --ntasks-per-node=2 --hpc-image="$MPI_SIF"
        fi
        [ "$status" -eq 0 ]
        echo "$launch: $output"
        [ "${#lines[@]}" -eq 4 ]
        # two nodes, one device each, and two different devices
        [ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 2 ]
        [ "$(printf '%s\n' "${lines[@]}" | awk '{ print $1 }' | sort -u | wc -l)" -eq 2 ]
        [ "$(printf '%s\n' "${lines[@]}" | awk '{ print $2 }' | sort -u | wc -l)" -eq 2 ]
    done
}

@test "exit codes: a task's failure on the second node reaches srun, hybrid and plugin" {
    run srun -N2 -n2 "$HPC" exec "$MPI_SIF" sh -c '[ "$SLURM_NODEID" = 1 ] && exit 5; exit 0'
    [ "$status" -eq 5 ]
    need_plugin
    run srun -N2 -n2 --hpc-image="$MPI_SIF" sh -c '[ "$SLURM_NODEID" = 1 ] && exit 6; exit 0'
    [ "$status" -eq 6 ]
}

@test "sbatch -N2: steps inside the batch job run on both nodes" {
    cat >job.sh <<EOF
#!/bin/bash
#SBATCH -N 2
#SBATCH -n 4
#SBATCH -o $work/job.out
set -e
srun -N2 -n2 "$HPC" exec "$MPI_SIF" hostname
srun --mpi=pmix -N2 -n4 "$HPC" exec "$MPI_SIF" "$HELLO" $BIG
EOF
    run sbatch --wait job.sh
    [ "$status" -eq 0 ] || { cat job.out; false; }
    output=$(cat job.out)
    [ "$(head -n 2 job.out | sort | tr '\n' ' ')" = "n1 n2 " ]
    hello_ok 4 n1 n2
}

@test "a job array: each task of the array runs the image on its node" {
    run sbatch --wait --array=1-4 -o "$work/task-%a.out" --wrap "\"$HPC\" exec \"$MPI_SIF\" sh -c 'echo \$SLURM_ARRAY_TASK_ID \$(cat /etc/hpc-test-image)'"
    [ "$status" -eq 0 ]
    for task in 1 2 3 4; do [ "$(cat "task-$task.out")" = "$task $MARKER" ]; done
}

@test "--mpi=pmix across nodes, with the image's Open MPI: hybrid and plugin" {
    run srun --mpi=pmix -N2 -n4 "$HPC" exec "$MPI_SIF" "$HELLO" $BIG
    [ "$status" -eq 0 ]
    [[ "$output" != *"PMIX ERROR"* ]]
    hello_ok 4 n1 n2
    [[ "$output" == *" on n1"* ]] && [[ "$output" == *" on n2"* ]]
    need_plugin
    run srun --mpi=pmix -N3 -n3 --hpc-image="$MPI_SIF" "$HELLO" $BIG
    [ "$status" -eq 0 ]
    hello_ok 3 n1 n2 n3
    for node in n1 n2 n3; do [[ "$output" == *" on $node"* ]]; done
}

@test "--mpi host across nodes: the host's Open MPI bound into the image" {
    run srun --mpi=pmix -N2 -n2 "$HPC" exec --mpi host "$MPI_SIF" "$HELLO" $BIG
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    hello_ok 2 n1 n2
}

@test "scancel across nodes leaves no process of the user and no FUSE connection on any node" {
    need_plugin
    srun -N3 -n3 --hpc-image="$MPI_SIF" sh -c "stat -c %Ld /usr/bin/hostname >$work/minor.\$SLURM_NODEID; exec sleep 314" >srun.log 2>&1 &
    step=$!
    running() { [ -s minor.0 ] && [ -s minor.1 ] && [ -s minor.2 ] && [ "$(sleeping 314 | wc -l)" -eq 3 ]; }
    wait_until 30 running || { cat srun.log; strays; false; }
    # one sleep on each node, each through its node's own FUSE connection
    [ "$(for pid in $(sleeping 314); do node_of "$pid"; done | sort | tr '\n' ' ')" = "n1 n2 n3 " ]
    connections=()
    for n in 0 1 2; do connections+=("$(fuse_connection "$(cat minor.$n)")"); [ -d "${connections[-1]}" ]; done
    command scancel --user "$USER"
    wait "$step" || true
    wait_until 15 no_strays || { strays; false; }
    for connection in "${connections[@]}"; do wait_until 5 test ! -e "$connection"; done
}

@test "the Epilog runs on every node: what a job's containers left on each is ended" {
    need_plugin
    need_scripts
    run srun -N3 -n3 --hpc-image="$MPI_SIF" sh -c 'setsid sleep 1003 >/dev/null 2>&1 </dev/null &'
    [ "$status" -eq 0 ]
    wait_until 15 no_strays || { strays; false; }
    for node in n1 n2 n3; do wait_until 10 node_idle "$node" || { sinfo -N; false; }; done
}

@test "--hpc-stage: the Prolog stages the image on each node's own storage, the Epilog removes it" {
    need_plugin
    need_scripts
    # The root file system's source, as the task's mount table shows it: the staged copy's path.
    run --separate-stderr srun -N3 -n3 --hpc-image="$MPI_SIF" --hpc-stage sh -c \
        'echo "$(hostname) $(sed -n "s/.* - fuse.hpc \([^ ]*\) .*/\1/p" /proc/self/mountinfo | head -n 1) $(cat /etc/hpc-test-image)"'
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    for line in "${lines[@]}"; do
        read -r node source marker <<<"$line"
        [[ "$source" == /tmp/hpc-stage/*/mpi.sif ]] || { echo "$node: $source"; false; }
        [ "$marker" = "hpc test image debian-mpi" ]
        # in the node's own /tmp: the host's has no such file
        [ ! -e "$source" ]
    done
    # The Epilog removed each node's copy: a later job finds the stage directory empty everywhere.
    run --separate-stderr srun -N3 -n3 sh -c 'echo "$(hostname) $(ls -A /tmp/hpc-stage | wc -l)"'
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | sort | tr '\n' ' ')" = "n1 0 n2 0 n3 0 " ]
}

@test "a step's tasks leave no server lingering on any node; a task's script's launch lingers for the next" {
    # hpc started by slurmstepd is a task: the step's tasks on a node meet at once, and the
    # server ends with the last of them. hpc run by a task's script lingers: the step's next
    # launch may come. Seen from the batch script, while the job goes on (the Epilog ends what
    # lingers with the job).
    cat >job.sh <<EOF
#!/bin/sh
servers() {
    for pid in \$(pgrep -u "\$(id -u)" -x "${HPC##*/}"); do
        tr '\\0' '\\n' </proc/\$pid/environ | grep -qx "SLURM_JOB_ID=\$SLURM_JOB_ID" && echo "\$1 \$pid"
    done
}
srun -N3 -n6 --ntasks-per-node=2 "$HPC" exec "$MPI_SIF" true || exit 1
servers left
srun -N1 -n1 sh -c '"\$0" exec "\$1" true' "$HPC" "$MPI_SIF" || exit 1
servers lingering
exit 0
EOF
    run sbatch --wait -N3 --ntasks-per-node=2 -o "$work/job.out" job.sh
    [ "$status" -eq 0 ] || { echo "$output"; cat job.out; false; }
    cat job.out
    [ "$(grep -c '^left' job.out)" -eq 0 ]
    [ "$(grep -c '^lingering' job.out)" -ge 1 ]
}

# Last: the node it loses stays down for the rest of the run.
@test "a node lost mid-job: the job fails as Slurm reports it, nothing of hpc's is left on the others" {
    srun -N3 -n3 "$HPC" exec "$MPI_SIF" sh -c 'exec sleep 315' >srun.log 2>&1 &
    step=$!
    running() { [ "$(sleeping 315 | wc -l)" -eq 3 ]; }
    wait_until 30 running || { cat srun.log; strays; false; }
    # n3 goes: its slurmd and everything in its network namespace, as a power cut would (the
    # runner's root helper does it: tests/setup/slurm-cluster kill-node).
    lose_node n3
    status=0
    wait "$step" || status=$?
    [ "$status" -ne 0 ]
    cat srun.log
    grep -qi "node fail" srun.log  # srun says why: "Node failure on n3"
    wait_until 60 no_strays || { strays; false; }
}
