#include "sandbox/run/launcher.hpp"

#include "common/error.hpp"
#include "common/pipe.hpp"
#include "common/read_to_end.hpp"
#include "common/unique_fd.hpp"
#include "sandbox/run/container_entry.hpp"
#include "sandbox/run/mount_ops.hpp"
#include "sandbox/run/namespaces.hpp"
#include "sandbox/run/network_setup.hpp"
#include "sandbox/run/payload.hpp"
#include "sandbox/run/slirp_network.hpp"
#include "sandbox/run/spawn.hpp"
#include "sandbox/run/staged_tree_key.hpp"
#include "sandbox/run/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace hpc::sandbox {
namespace {

// A child that is killed and reaped unless released: no error path leaves a payload behind.
class ChildGuard {
public:
    explicit ChildGuard(pid_t pid) : pid_(pid) {}
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    ~ChildGuard() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    pid_t pid() const { return pid_; }
    pid_t release() { return std::exchange(pid_, 0); }

private:
    pid_t pid_;
};

// A start-up failure travels from the payload's process to the launcher as "code\nmessage"
// on a close-on-exec pipe: a successful exec closes it with nothing written.
[[noreturn]] void report_and_exit(int fd, const Error& error) {
    std::string report = std::to_string(static_cast<int>(error.code())) + "\n" + error.what();
    ssize_t ignored = ::write(fd, report.data(), report.size());
    (void)ignored;
    ::_exit(static_cast<int>(error.code()));
}

// First thing in a process the launcher starts (the payload's, or one that makes its PID
// namespace): it dies with the launcher, even one killed with SIGKILL, and holds none of its
// descriptors but `status_fd`. Among them is the image's /dev/fuse: while any copy of it is open
// the kernel never aborts the FUSE connection, so a process that touched the mount after the
// launcher died would wait for an answer for ever, unkillable. A launcher that died before the
// death signal was armed is seen on the status pipe, which then has no reader.
void tie_to_launcher(int status_fd) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (status_fd > 3) ::syscall(SYS_close_range, 3U, static_cast<unsigned>(status_fd - 1), 0U);
    ::syscall(SYS_close_range, static_cast<unsigned>(status_fd + 1), ~0U, 0U);
    pollfd reader{status_fd, 0, 0};
    if (::poll(&reader, 1, 0) == 1 && (reader.revents & POLLERR)) ::_exit(128 + SIGKILL);
}

// What the payload's process reported on its status pipe: one hpc::Error's code and message,
// or nothing. A longer report than this is cut (the child, blocked writing the rest, is killed
// with the error thrown); a failed read keeps what came before it.
std::string read_report(int fd) {
    constexpr std::size_t max_report_bytes = 64 * 1024;
    return read_to_end(fd, max_report_bytes).bytes;
}

// The command with PWD naming the directory it really starts in: a fallback from an
// unreachable working directory must not leave PWD pointing at it.
PayloadCommand started_in(const PayloadCommand& planned, const std::string& directory) {
    PayloadCommand command = planned;
    for (std::string& variable : command.envp)
        if (variable.rfind("PWD=", 0) == 0) variable = "PWD=" + directory;
    return command;
}

// PID 1 of a new PID namespace: it runs the payload as its child, forwards signals to it,
// reaps whatever is orphaned inside, and ends with the payload's status (taking everything
// left in the namespace with it). An instance's stays until it is stopped, with or without a
// payload (a startscript).
[[noreturn]] void run_as_init(const PayloadCommand& command, const LaunchPlan& plan, int status_fd) {
    pid_t payload = -1;
    if (!command.argv.empty()) {
        payload = ::fork();
        if (payload < 0) throw_errno("fork the payload");
        if (payload == 0) exec_payload(command, plan.ownership_ignored);
    }
    ::close(status_fd);
    if (plan.namespaces.instance) ::_exit(keep_instance());
    ::_exit(supervise(payload, -1));  // the namespace's end takes what is left
}

// The payload's process: it enters the container, then execs the command, or, as PID 1 of a
// new PID namespace, runs it under a small init. A failure goes back to the launcher.
[[noreturn]] void payload_process(const LaunchPlan& plan, const ExecutorHooks& hooks, int status_fd) {
    tie_to_launcher(status_fd);
    try {
        PayloadCommand command = started_in(plan.command, Executor(plan, hooks).enter());
        if (plan.namespaces.pid && plan.namespaces.init) run_as_init(command, plan, status_fd);
        exec_payload(command, plan.ownership_ignored);
    } catch (const Error& error) {
        report_and_exit(status_fd, error);
    }
}

// An init that stays as PID 1 of a new PID namespace needs memory of its own, and a process
// with other threads (the launcher serves the image) may not make a PID namespace: a forked
// copy, which has one thread, makes it, forks the init into it, and passes signals and the
// status through.
[[noreturn]] void pid_namespace_maker(const LaunchPlan& plan, const ExecutorHooks& hooks, int status_fd) {
    tie_to_launcher(status_fd);
    pid_t init = -1;
    try {
        if (::unshare(CLONE_NEWPID) != 0) throw_errno("unshare a PID namespace");
        init = ::fork();
        if (init < 0) throw_errno("fork the init");
    } catch (const Error& error) {
        report_and_exit(status_fd, error);
    }
    if (init == 0) payload_process(plan, hooks, status_fd);
    ::close(status_fd);
    ::_exit(supervise(init, -1));
}

pid_t start_init(const LaunchPlan& plan, const ExecutorHooks& hooks, int status_fd) {
    pid_t maker = ::fork();
    if (maker < 0) throw_errno("fork the payload");
    if (maker == 0) pid_namespace_maker(plan, hooks, status_fd);
    return maker;
}

// The payload's process, started when the container is complete. A payload that execs at once
// shares the launcher's memory until it does (spawn_sharing_memory), which saves copying and
// re-faulting the launcher's pages.
pid_t start_payload(const LaunchPlan& plan, const ExecutorHooks& hooks, int status_fd) {
    if (plan.namespaces.pid && plan.namespaces.init) return start_init(plan, hooks, status_fd);
    return spawn_sharing_memory([&] { payload_process(plan, hooks, status_fd); }, plan.namespaces.pid);
}

// The payload's process said why it could not start: the same error, here.
void throw_if_reported(const std::string& report) {
    if (report.empty()) return;
    size_t newline = report.find('\n');
    int code = std::stoi(report.substr(0, newline));
    throw Error(static_cast<ExitCode>(code), report.substr(newline + 1));
}

// Forks a child tied to this process that runs `start` with the write end of its status pipe
// (`start` execs, or reports an error and exits) and returns its pid once it has exec'd; throws
// the error it reported, the child then killed and reaped.
template <typename Start>
pid_t fork_reporting(const char* what, Start&& start) {
    Pipe status("the payload's start-up report");
    pid_t pid = ::fork();
    if (pid < 0) throw_errno(what);
    if (pid == 0) {
        status.read.reset();
        tie_to_launcher(status.write.get());
        start(status.write.get());
        ::_exit(static_cast<int>(ExitCode::software));  // `start` neither exec'd nor reported
    }
    ChildGuard child(pid);
    status.write.reset();
    throw_if_reported(read_report(status.read.get()));
    return child.release();
}

// Orphans of the payload become ours, so that we can reap them and end them; the descriptor
// finds them even once the container's root has replaced ours.
UniqueFd adopt_orphans() {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) throw_errno("become a subreaper");
    return UniqueFd(::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

// The host's pid of the container's init: the one child of the PID-namespace maker (`maker`),
// read through `proc`, the host's /proc.
pid_t init_of(int proc, pid_t maker) {
    UniqueFd tasks(::openat(proc, (std::to_string(maker) + "/task").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::vector<pid_t> children = tasks ? listed_children(tasks.get()) : std::vector<pid_t>{};
    if (children.size() != 1) throw Error(ExitCode::os, "cannot find the container's init among the processes");
    return children.front();
}

// The container, once this process is in its user and mount namespaces. `proc`: the host's
// /proc, opened before, where hooks.container_started needs it.
int run_container(const LaunchPlan& plan, const ExecutorHooks& hooks, int proc = -1) {
    // With a PID namespace its init reaps, and the namespace's end takes what is left.
    UniqueFd own_tasks;
    if (!plan.namespaces.pid) own_tasks = adopt_orphans();

    // Kept until the payload is gone: it stops the FUSE programs it started (fuse2fs) only then.
    Executor executor(plan, hooks);
    executor.prepare();
    Pipe status("the payload's start-up report");
    ChildGuard child(start_payload(plan, hooks, status.write.get()));
    status.write.reset();
    throw_if_reported(read_report(status.read.get()));
    if (hooks.container_started)
        hooks.container_started(plan.namespaces.pid && plan.namespaces.init ? init_of(proc, child.pid()) : child.pid());
    std::vector<pid_t> servers = executor.server_pids();
    return supervise(child.release(), own_tasks ? own_tasks.get() : -1, servers);
}

}  // namespace

int launch_in_namespace(const LaunchPlan& plan, const ExecutorHooks& hooks) {
    take_over_signals();
    UniqueFd own_tasks = adopt_orphans();
    pid_t child = fork_reporting("fork the container", [&](int status_fd) {
        try {
            if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare a mount namespace");
            Executor(plan, hooks).prepare();
        } catch (const Error& error) {
            report_and_exit(status_fd, error);
        }
        payload_process(plan, hooks, status_fd);
    });
    return supervise(child, own_tasks.get());
}

int launch(const LaunchPlan& plan, const ExecutorHooks& hooks) {
    take_over_signals();
    // Opened while this process still sees the host's /proc at /proc.
    UniqueFd proc;
    if (hooks.container_started && !(proc = UniqueFd(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC))))
        throw_errno("open /proc");
    if (plan.network.mode != NetworkMode::slirp) {
        enter_namespaces(plan);
        enter_network_namespaces(plan.network);
        return run_container(plan, hooks, proc.get());
    }
    // Forked while this process is still in the host's network namespace, where it must run.
    SlirpNetwork slirp(plan.network);
    bool nested = !maps_root(plan);
    if (nested)
        enter_root_owner();
    else
        enter_namespaces(plan);
    enter_network_namespaces(plan.network);
    slirp.start();
    if (nested) enter_namespaces_inside_root_owner(plan);
    return run_container(plan, hooks, proc.get());
}

int launch_serving(const LaunchPlan& plan, ExecutorHooks hooks, ShareHost& host) {
    // Opened while this process still sees the host's /proc at /proc.
    UniqueFd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) throw_errno("open /proc");
    // Looked up as a joiner looks up its own: before any namespace, the host's paths as planned.
    // (A launch that shares has no FUSE program of its own serving a part of its tree: no ext
    // image, which a joiner's tree would need served by itself.)
    std::string own_tree_key = staged_tree_key(plan);
    hooks.root_complete = [complete = std::move(hooks.root_complete), &host, &own_tree_key] {
        if (complete) complete();
        host.keep_own_tree(own_tree_key);
        host.start_accepting();
    };
    int status = launch(plan, hooks);
    host.wait_for_last_user();
    // Joiners' payloads were no children of ours: what they left is found by its namespace.
    end_other_processes_in_own_user_namespace(proc.get());
    return status;
}

int serve_lingering(const LaunchPlan& plan, ExecutorHooks hooks, ShareHost& host, std::chrono::milliseconds linger,
                    std::vector<int> end_fds) {
    take_over_signals();
    // Opened while this process still sees the host's /proc at /proc.
    UniqueFd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) throw_errno("open /proc");
    hooks.root_complete = [complete = std::move(hooks.root_complete), &host] {
        if (complete) complete();
        host.start_accepting();
    };
    // SIGTERM, SIGINT or SIGHUP (the user's kill, the batch system's) ends it as a changed image does.
    sigset_t stops;
    sigemptyset(&stops);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stops, signal);
    UniqueFd stop_signals(::signalfd(-1, &stops, SFD_CLOEXEC));
    if (!stop_signals) throw_errno("take the stop signals (signalfd)");
    end_fds.push_back(stop_signals.get());
    host.linger_after_last(linger, std::move(end_fds),
                           [proc = proc.get()] { end_other_processes_in_own_user_namespace(proc); });
    enter_namespaces(plan);
    // The image and the image files beside it, and nothing of the launch that started it: no
    // bind, no mount point made in the image, no layer, so that every launch that joins finds the
    // image as it is and stages its own container on it, the first as the thousandth.
    LaunchPlan image_alone = plan;
    image_alone.mounts.clear();
    image_alone.root.overlay = false;
    image_alone.root.layers.clear();
    Executor executor(image_alone, hooks);  // kept while it serves, as run_container keeps its own
    executor.prepare();
    host.wait_for_last_user();
    return 0;
}

int launch_joined(const LaunchPlan& plan, ExecutorHooks hooks, const ShareGuest& guest) {
    if (plan.namespaces.pid) take_over_signals();
    // A tree kept by the server (only ever for a launch without a PID namespace): enter it.
    bool staged = enter_staged_tree(guest);
    if (!staged) enter_shared(guest);
    if (plan.namespaces.ipc && ::unshare(CLONE_NEWIPC) != 0) throw_errno("unshare an IPC namespace");
    enter_network_namespaces(plan.network);  // none, or a host name: slirp launches never join
    if (staged) exec_payload(started_in(plan.command, Executor(plan, hooks).enter()), plan.ownership_ignored);
    // Rooted in the server's staging root: its previous root holds the host's tree and the image.
    hooks.host_root = std::string(previous_root) + previous_root;
    hooks.mount_squashfs = [](const std::string& target) {
        bind_mount(std::string(previous_root) + staged_image_for_joiners, target, false);
    };
    // The same image files beside the root (the meeting name says so), at the same places.
    hooks.mount_image = [](std::size_t index, const std::string& target) {
        bind_mount(std::string(previous_root) + staged_images + "/" + std::to_string(index), target, false);
    };
    // An init that stays as PID 1 needs this process to supervise it.
    if (plan.namespaces.pid) return run_container(plan, hooks);
    // Otherwise there is nothing left to do here once the payload runs: this process becomes
    // it, and costs the node no memory of its own (the server ends what it leaves behind).
    Executor executor(plan, hooks);
    executor.prepare();
    if (executor.server_pids().empty()) offer_staged_tree(guest);  // no program of its own serves a part of it
    exec_payload(started_in(plan.command, executor.enter()), plan.ownership_ignored);
}

int launch_entered(const LaunchPlan& plan, const ExecutorHooks& hooks, const ContainerEntry& container) {
    take_over_signals();
    enter_container(container);
    // A child, for setns(2) puts only children in the container's PID namespace.
    pid_t child = fork_reporting("fork the payload", [&](int status_fd) {
        try {
            exec_payload(started_in(plan.command, enter_working_directory(plan, hooks.warn)), plan.ownership_ignored);
        } catch (const Error& error) {
            report_and_exit(status_fd, error);
        }
    });
    return supervise(child, -1);
}

}  // namespace hpc::sandbox
