// Process supervision, shared by the launcher and by the small init that runs as PID 1 of a
// new PID namespace: signals are blocked and taken with sigwaitinfo(2), the ones a user or a
// batch system sends to stop or poke a job are forwarded to the payload, children are
// reaped, and the payload's status becomes the exit status (128+N for signal N).
#pragma once

#include <sys/types.h>

#include <csignal>
#include <span>
#include <vector>

namespace hpc::sandbox {

// The signals forwarded to the payload.
sigset_t forwarded_signals();

// Blocks the forwarded signals and SIGCHLD in the calling thread (threads and children made
// afterwards inherit the mask) and gives them a no-op handler: a PID 1 drops signals whose
// action is the default, even blocked ones (pid_namespaces(7)).
void take_over_signals();

// Restores the default mask and actions; for a child about to exec the payload.
void release_signals();

// Waits for `payload`, forwarding signals sent to this process by kill(2) (a terminal's
// signals already reach the payload's process group) and reaping every child. Returns the
// payload's exit status, or 128+N if signal N killed it. With `own_tasks`, an open
// /proc/self/task of this process (a child subreaper), descendants left behind by the payload
// are killed and reaped before returning, so nothing outlives the container; -1 skips that.
// `spared`: children this process made that must outlive the payload, the FUSE servers of
// fuse_program.hpp, which their owner stops once this returns (a SIGKILL would lose what they
// have not written out): they are neither killed nor reaped here (their owner waits for them),
// the other children are then reaped by their pids, and without `own_tasks` only the payload is.
int supervise(pid_t payload, int own_tasks, std::span<const pid_t> spared = {});

// PID 1 of an instance (NamespacePlan::instance): reaps every child, and stays after the payload
// (the startscript) has ended, for the services it left and for the processes joiners start.
// A forwarded signal is instance stop's (-s SIGNAL, SIGTERM by default): it goes to every process
// in the namespace, for services are orphans of the startscript and no children of its, and the
// init returns 0 once the last child is gone; the namespace ends with it.
int keep_instance();

// The first of SIGINT, SIGTERM and SIGHUP that is pending for this process (blocked by
// take_over_signals and not yet taken), or 0: how long work notices it should stop.
int pending_stop_signal();

// The children of a process, as the kernel lists them per thread (task/TID/children, proc(5)):
// `tasks` is an open /proc/PID/task of it.
std::vector<pid_t> listed_children(int tasks);

// The shell's convention for a wait status: the exit code, or 128+N for signal N.
int exit_status_of(int wait_status);

}  // namespace hpc::sandbox
