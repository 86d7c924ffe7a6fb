#include "namespace_child.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <sstream>

namespace hpc::test {
namespace {

bool write_proc(const char* path, const std::string& text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

void enter_namespace(ChildReport& report) {
    uid_t uid = ::getuid();
    gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        report.skip(std::string("unprivileged user namespaces are unavailable: unshare: ") + std::strerror(errno));
        return;
    }
    if (!write_proc("/proc/self/setgroups", "deny") ||
        !write_proc("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1") ||
        !write_proc("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1")) {
        report.skip(std::string("cannot map ids in a user namespace: ") + std::strerror(errno));
        return;
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        report.expect(false, std::string("making mounts private: ") + std::strerror(errno));
}

void send(int fd, const ChildReport& report) {
    std::string text;
    if (!report.skipped.empty()) text += "SKIP " + report.skipped + "\n";
    auto add = [&](const char* kind, std::string line) {
        for (char& c : line)
            if (c == '\n') c = ' ';
        text += std::string(kind) + " " + line + "\n";
    };
    for (const std::string& failure : report.failures) add("FAIL", failure);
    for (const std::string& note : report.notes) add("NOTE", note);
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote <= 0) break;
        done += static_cast<std::size_t>(wrote);
    }
}

constexpr uid_t nobody = 65534;

// Root's child becomes nobody, and stays dumpable: a process that changed its ids is not, and
// its /proc/self files are then root's, so it could not write its own id maps.
void become_unprivileged(ChildReport& report) {
    if (::geteuid() != 0) return;
    if (::setgroups(0, nullptr) != 0 || ::setresgid(nobody, nobody, nobody) != 0 ||
        ::setresuid(nobody, nobody, nobody) != 0 || ::prctl(PR_SET_DUMPABLE, 1) != 0)
        report.expect(false, std::string("becoming nobody: ") + std::strerror(errno));
}

ChildOutcome run_in_child(const std::function<void(ChildReport&)>& check, unsigned seconds, bool unprivileged) {
    ChildOutcome outcome;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        outcome.abnormal = std::string("pipe: ") + std::strerror(errno);
        return outcome;
    }
    pid_t child = ::fork();
    if (child < 0) {
        outcome.abnormal = std::string("fork: ") + std::strerror(errno);
        return outcome;
    }
    if (child == 0) {
        ::close(pipe_fds[0]);
        ::alarm(seconds);  // SIGALRM kills: a hang is reported, not waited for
        ChildReport report;
        try {
            if (unprivileged) become_unprivileged(report);
            if (report.failures.empty()) enter_namespace(report);
            if (report.skipped.empty() && report.failures.empty()) check(report);
        } catch (const std::exception& error) {
            report.expect(false, std::string("uncaught exception: ") + error.what());
        }
        send(pipe_fds[1], report);
        ::_exit(report.failures.empty() ? 0 : 1);  // no static destructors: they belong to the parent
    }
    ::close(pipe_fds[1]);
    std::string text;
    char buffer[4096];
    for (;;) {
        ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        text.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("SKIP ", 0) == 0) outcome.skipped = line.substr(5);
        if (line.rfind("FAIL ", 0) == 0) outcome.failures.push_back(line.substr(5));
        if (line.rfind("NOTE ", 0) == 0) outcome.notes.push_back(line.substr(5));
    }
    if (WIFSIGNALED(status))
        outcome.abnormal = std::string("the child was killed by signal ") + std::to_string(WTERMSIG(status)) +
                           (WTERMSIG(status) == SIGALRM ? " (time limit: something hung)" : "");
    else if (WEXITSTATUS(status) != 0 && outcome.failures.empty())
        outcome.abnormal = "the child exited with status " + std::to_string(WEXITSTATUS(status));
    return outcome;
}

}  // namespace

ChildOutcome run_in_user_namespace(const std::function<void(ChildReport&)>& check, unsigned seconds) {
    return run_in_child(check, seconds, false);
}

ChildOutcome run_unprivileged_in_user_namespace(const std::function<void(ChildReport&)>& check, unsigned seconds) {
    return run_in_child(check, seconds, true);
}

uid_t unprivileged_uid() { return ::geteuid() == 0 ? nobody : ::getuid(); }
gid_t unprivileged_gid() { return ::geteuid() == 0 ? nobody : ::getgid(); }

}  // namespace hpc::test
