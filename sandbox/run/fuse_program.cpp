#include "sandbox/run/fuse_program.hpp"

#include "common/pipe.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"
#include "sandbox/run/find_program.hpp"
#include "sandbox/run/supervisor.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

namespace hpc::sandbox {
namespace {

constexpr int mount_timeout_ms = 30000;  // an image's bitmaps are read before it mounts
constexpr int stop_timeout_ms = 20000;   // a large ext3's flush at destroy
constexpr int poll_step_ms = 10;         // how often the mount is looked for while it starts
constexpr std::size_t kept_output_bytes = 4096;
constexpr std::size_t max_kept_fds = 64;
constexpr std::size_t last_lines = 3;  // fuse2fs's cause comes a line before its advice

constexpr std::uint64_t bit(int capability) { return std::uint64_t{1} << capability; }
constexpr std::uint64_t mount_capabilities = bit(CAP_SYS_ADMIN);
constexpr std::uint64_t file_capabilities = bit(CAP_CHOWN) | bit(CAP_DAC_OVERRIDE) | bit(CAP_DAC_READ_SEARCH) |
                                            bit(CAP_FOWNER) | bit(CAP_FSETID) | bit(CAP_MKNOD);

// What the child failed at, sent on the status pipe with errno; a successful exec closes the
// pipe with nothing written.
enum class Step : int { streams, kept_fds, capabilities, exec, fork };
struct ChildFailure {
    int err;
    Step step;
};

const char* describe(Step step) {
    switch (step) {
    case Step::streams: return "give it its standard streams";
    case Step::kept_fds: return "pass it its descriptors";
    case Step::capabilities: return "raise its capabilities";
    case Step::exec: return "execute it";
    case Step::fork: return "fork it from its keeper";
    }
    return "start it";
}

// Everything the child needs, made before it is forked: between fork and exec a copy of a
// process with other threads may call only async-signal-safe functions (no allocation).
struct ChildSetup {
    const char* path;
    char* const* argv;
    char* const* envp;
    pid_t parent;
    int null_fd;
    int output_fd;
    int status_fd;
    const std::vector<int>* kept_fds;                              // cleared of close-on-exec
    const std::vector<std::pair<unsigned, unsigned>>* closed_ranges;  // every other descriptor from 3
    std::uint64_t capabilities;
};

[[noreturn]] void fail(int status_fd, Step step) {
    ChildFailure failure{errno, step};
    ssize_t ignored = ::write(status_fd, &failure, sizeof failure);
    (void)ignored;
    ::_exit(127);
}

// Raises `wanted`, as far as this process holds it, into the inheritable and then the ambient
// set: an ambient capability must be permitted and inheritable, and execve(2) keeps it for a
// program without file capabilities whatever its uid.
bool raise_ambient(std::uint64_t wanted) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    std::uint64_t permitted = data[0].permitted | std::uint64_t{data[1].permitted} << 32;
    std::uint64_t raised = wanted & permitted;
    data[0].inheritable |= static_cast<std::uint32_t>(raised);
    data[1].inheritable |= static_cast<std::uint32_t>(raised >> 32);
    if (::syscall(SYS_capset, &header, data) != 0) return false;
    for (unsigned long capability = 0; capability < 64; ++capability)
        if ((raised & bit(static_cast<int>(capability))) &&
            ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, capability, 0UL, 0UL) != 0)
            return false;
    return true;
}

[[noreturn]] void become_program(const ChildSetup& setup, pid_t keeper) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != keeper) ::_exit(1);  // the keeper died before the signal was armed
    release_signals();  // the launcher blocks SIGTERM: a blocked mask would survive the exec
    // Its output pipe loses its reader when the launcher dies: a word said while it finishes
    // (fuse2fs's at unmount) must fail with EPIPE, not kill it before its file system is clean.
    ::signal(SIGPIPE, SIG_IGN);
    if (::dup2(setup.null_fd, STDIN_FILENO) < 0 || ::dup2(setup.output_fd, STDOUT_FILENO) < 0 ||
        ::dup2(setup.output_fd, STDERR_FILENO) < 0)
        fail(setup.status_fd, Step::streams);
    for (auto [first, last] : *setup.closed_ranges) ::syscall(SYS_close_range, first, last, 0U);
    for (int fd : *setup.kept_fds)
        if (::fcntl(fd, F_SETFD, 0) != 0) fail(setup.status_fd, Step::kept_fds);
    if (!raise_ambient(setup.capabilities)) fail(setup.status_fd, Step::capabilities);
    ::execve(setup.path, setup.argv, setup.envp);
    fail(setup.status_fd, Step::exec);
}

// A FUSE server must be told to stop once: libfuse takes SIGTERM only until its loop ends, and
// one more then kills it before its file system is written clean (fuse2fs's "not clean"). A
// parent with threads (the launcher) gives its children the parent-death signal once for each
// of its threads that dies while they are handed from thread to thread, so the program's parent
// is this keeper, which has one: it passes on the first SIGTERM (the launcher's stop, or its
// death), ignores the others, holds none of the launcher's descriptors, and ends with the
// program's status.
[[noreturn]] void keep_program(const ChildSetup& setup) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != setup.parent) ::_exit(1);  // the launcher died before the signal was armed
    sigset_t taken;
    sigemptyset(&taken);
    sigaddset(&taken, SIGTERM);
    sigaddset(&taken, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &taken, nullptr);  // blocked, so queued for sigwaitinfo, even SIGCHLD
    pid_t keeper = ::getpid();
    pid_t program = ::fork();
    if (program < 0) fail(setup.status_fd, Step::fork);
    if (program == 0) become_program(setup, keeper);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    bool passed = false;
    for (;;) {
        siginfo_t info{};
        int signal = ::sigwaitinfo(&taken, &info);
        if (signal == SIGTERM && !passed) {
            ::kill(program, SIGTERM);
            passed = true;
        } else if (signal == SIGCHLD) {
            int status = 0;
            if (::waitpid(program, &status, WNOHANG) == program)
                ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

// The descriptors from 3 up that are not in `kept` (sorted), as close_range(2)'s ranges.
std::vector<std::pair<unsigned, unsigned>> ranges_outside(std::vector<int> kept) {
    std::sort(kept.begin(), kept.end());
    std::vector<std::pair<unsigned, unsigned>> ranges;
    unsigned next = 3;
    for (int fd : kept) {
        auto number = static_cast<unsigned>(fd);
        if (number > next) ranges.emplace_back(next, number - 1);
        next = std::max(next, number + 1);
    }
    ranges.emplace_back(next, ~0U);
    return ranges;
}

void check_kept(const std::vector<int>& kept_fds, const std::string& name) {
    if (kept_fds.size() > max_kept_fds)
        throw Error(ExitCode::software, name + ": more than " + std::to_string(max_kept_fds) + " descriptors to pass");
    for (int fd : kept_fds) {
        if (fd < 3)
            throw Error(ExitCode::software,
                        name + ": descriptor " + std::to_string(fd) + " cannot be passed: 0-2 are its standard streams");
        if (::fcntl(fd, F_GETFD) < 0) throw_errno(name + ": descriptor " + std::to_string(fd) + " to pass");
    }
}

dev_t device_of(const std::string& path, int flags) {
    struct statx status {};
    if (::statx(AT_FDCWD, path.c_str(), flags | AT_NO_AUTOMOUNT, STATX_TYPE, &status) != 0) return 0;
    return makedev(status.stx_dev_major, status.stx_dev_minor);
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

}  // namespace

FuseProgram::FuseProgram(std::vector<std::string> argv, std::string mountpoint, std::string package,
                         FuseProgramOptions options)
    : name_(argv.empty() ? std::string() : argv.front()), mountpoint_(std::move(mountpoint)) {
    if (argv.empty()) throw Error(ExitCode::software, "a FUSE server to start for " + mountpoint_ + " has no name");
    std::optional<std::string> path = find_program(name_);
    if (!path)
        throw Error(ExitCode::unavailable,
                    name_ + " is not installed (Debian package " + package + ") or not on PATH");
    check_kept(options.kept_fds, name_);
    unmounted_device_ = device_of(mountpoint_, AT_STATX_DONT_SYNC);
    if (unmounted_device_ == 0) throw_errno(name_ + ": mount point " + mountpoint_);

    std::vector<char*> pointers;
    for (std::string& word : argv) pointers.push_back(word.data());
    pointers.push_back(nullptr);
    Pipe output("the output of " + name_), status("the start-up report of " + name_);
    if (::fcntl(output.write.get(), F_SETFL, O_NONBLOCK) != 0 || ::fcntl(output.read.get(), F_SETFL, O_NONBLOCK) != 0)
        throw_errno("make the output pipe of " + name_ + " non-blocking");
    UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null) throw_errno("open /dev/null");
    std::vector<int> kept_open = options.kept_fds;
    kept_open.push_back(status.write.get());  // close-on-exec: it closes when the exec succeeds
    std::vector<std::pair<unsigned, unsigned>> closed = ranges_outside(kept_open);
    ChildSetup setup{path->c_str(), pointers.data(), environ, ::getpid(), null.get(), output.write.get(),
                     status.write.get(), &options.kept_fds, &closed,
                     mount_capabilities | (options.file_capabilities ? file_capabilities : 0)};

    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork to start " + name_);
    if (pid_ == 0) keep_program(setup);
    status.write.reset();
    output.write.reset();
    output_ = std::move(output.read);
    try {
        process_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
        if (!process_) throw_errno("follow " + name_ + " (pidfd_open)");
        ChildFailure failure{};
        ssize_t got = 0;
        while ((got = ::read(status.read.get(), &failure, sizeof failure)) < 0 && errno == EINTR) {
        }
        if (got == static_cast<ssize_t>(sizeof failure))
            throw_errno("start " + name_ + ": " + describe(failure.step), failure.err);
        wait_for_mount(options.exit_code);
    } catch (...) {
        kill_now();
        throw;
    }
}

FuseProgram::~FuseProgram() { stop(); }

void FuseProgram::wait_for_mount(ExitCode exit_code) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(mount_timeout_ms);
    while (!mounted()) {
        drain_output();
        if (has_exited()) {
            std::string how = reap();
            throw Error(exit_code, name_ + " " + how + " before mounting " + mountpoint_ + last_words());
        }
        if (remaining_ms(deadline) == 0)
            throw Error(ExitCode::unavailable, name_ + " did not mount " + mountpoint_ + " within " +
                                                   std::to_string(mount_timeout_ms / 1000) + " s" + last_words());
        pause(std::min(poll_step_ms, remaining_ms(deadline)));
    }
    // The kernel holds every request until the server has answered its INIT, so this returns
    // once it serves (or has died: the connection then ends). It also gives the mount's root
    // its real owner: until the first GETATTR the kernel's root inode is owned by 0:0, and in a
    // user namespace that does not map 0 the VFS refuses to create anything in a directory
    // whose owner it cannot map (EACCES, seen here on a first `touch` after the mount).
    if (device_of(mountpoint_, AT_STATX_FORCE_SYNC) == 0) {
        int err = errno;
        drain_output();
        throw Error(exit_code, name_ + " mounted " + mountpoint_ + " but does not serve it: " +
                                   std::string(std::strerror(err)) + last_words(), err);
    }
}

bool FuseProgram::mounted() const {
    dev_t device = device_of(mountpoint_, AT_STATX_DONT_SYNC);  // asks the server nothing
    return device != 0 && device != unmounted_device_;
}

// Also true of a program reaped by someone else (a supervisor not told to spare it): waitid
// then fails with ECHILD, and the pidfd says it has ended.
bool FuseProgram::has_exited() const {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0) return info.si_pid != 0;
    return errno == ECHILD;
}

bool FuseProgram::exits_within(int milliseconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
    for (;;) {
        drain_output();
        if (has_exited()) return true;
        int left = remaining_ms(deadline);
        if (left == 0) return false;
        pause(left);
    }
}

void FuseProgram::pause(int milliseconds) {
    // Once every writer of its output has closed it the pipe stays readable (POLLHUP): from
    // then on only the program's end wakes us.
    pollfd events[] = {{process_.get(), POLLIN, 0}, {output_.get(), POLLIN, 0}};
    ::poll(events, output_ended_ ? 1 : 2, milliseconds);
    if ((events[1].revents & POLLHUP) && !(events[1].revents & POLLIN)) output_ended_ = true;
}

std::string FuseProgram::reap() {
    siginfo_t info{};
    int result = 0;
    while ((result = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED)) != 0 && errno == EINTR) {
    }
    pid_ = 0;
    if (result != 0) return "ended (reaped by another)";
    if (info.si_code == CLD_EXITED) return "exited with status " + std::to_string(info.si_status);
    return "was killed by signal " + std::to_string(info.si_status);
}

void FuseProgram::drain_output() {
    char buffer[4096];
    for (int reads = 0; reads < 64; ++reads) {  // a server that writes without pause does not hold us
        ssize_t got = ::read(output_.get(), buffer, sizeof buffer);
        if (got <= 0) break;
        output_tail_.append(buffer, static_cast<std::size_t>(got));
        if (output_tail_.size() > kept_output_bytes) output_tail_.erase(0, output_tail_.size() - kept_output_bytes);
    }
}

// ": " and the last non-empty lines of its output, or nothing.
std::string FuseProgram::last_words() const {
    std::vector<std::string_view> lines;
    for (std::string_view line : split_lines(output_tail_))
        if (!trim(line).empty()) lines.push_back(trim(line));
    if (lines.empty()) return "";
    std::string words;
    for (std::size_t i = lines.size() > last_lines ? lines.size() - last_lines : 0; i < lines.size(); ++i)
        words += (words.empty() ? "" : " ") + std::string(lines[i]);
    return ": " + printable(words);
}

void FuseProgram::stop() noexcept {
    if (pid_ <= 0) return;
    try {
        drain_output();
        bool was_mounted = mounted();
        if (was_mounted) ::syscall(SYS_pidfd_send_signal, process_.get(), SIGTERM, nullptr, 0U);
        bool ended = exits_within(stop_timeout_ms);
        // Its mount was detached by another: its connection ends with the mount's last user and
        // it then ends by itself, unless that user lives on. Only then is it told to end.
        if (!ended && !was_mounted) {
            ::syscall(SYS_pidfd_send_signal, process_.get(), SIGTERM, nullptr, 0U);
            ended = exits_within(stop_timeout_ms);
        }
        if (!ended) ::syscall(SYS_pidfd_send_signal, process_.get(), SIGKILL, nullptr, 0U);
        reap();
        // A server without the capability to unmount, or one that died, leaves its mount
        // behind, cut off from any server: detach it. One that unmounted itself left nothing.
        if (mounted()) ::umount2(mountpoint_.c_str(), MNT_DETACH);
    } catch (...) {  // only memory, for the words it said: end it the short way
        kill_now();
    }
}

void FuseProgram::kill_now() noexcept {
    if (pid_ <= 0) return;
    if (process_) ::syscall(SYS_pidfd_send_signal, process_.get(), SIGKILL, nullptr, 0U);
    else ::kill(pid_, SIGKILL);  // no pidfd yet: our child, unreaped, so the pid is still its own
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED) != 0 && errno == EINTR) {
    }
    pid_ = 0;
    if (mounted()) ::umount2(mountpoint_.c_str(), MNT_DETACH);
}

}  // namespace hpc::sandbox
