// supervise() with children to spare (the FUSE servers of fuse_program.hpp): in a forked child
// that is a subreaper as the launcher is, a payload leaves an orphan and ends; the orphan is
// killed and reaped, another child that ended meanwhile is reaped, and the spared children are
// neither killed nor reaped: one still runs, the other's exit status waits for its owner.
#include "common/unique_fd.hpp"
#include "sandbox/run/supervisor.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace {

pid_t child_that(int exit_code, bool waits_for_a_signal) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (waits_for_a_signal) ::pause();
        ::_exit(exit_code);
    }
    return pid;
}

// The payload: forks an orphan that waits to be killed, tells its pid, and exits with 3.
pid_t payload_leaving_an_orphan(int pid_pipe) {
    pid_t payload = ::fork();
    if (payload == 0) {
        pid_t orphan = child_that(0, true);
        ssize_t wrote = ::write(pid_pipe, &orphan, sizeof orphan);
        ::_exit(wrote == sizeof orphan ? 3 : 4);
    }
    return payload;
}

// Runs in the forked child; returns what went wrong, one line each.
std::string check_supervision() {
    std::string failures;
    auto expect = [&](bool ok, const std::string& what) {
        if (!ok) failures += what + "\n";
    };
    hpc::sandbox::take_over_signals();
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return "become a subreaper\n";
    hpc::UniqueFd own_tasks(::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    int pid_pipe[2];
    if (::pipe(pid_pipe) != 0) return "pipe\n";

    pid_t running = child_that(0, true);
    pid_t ended = child_that(7, false);
    pid_t other = child_that(5, false);  // not spared: reaped while the payload runs
    std::vector<pid_t> spared{running, ended};
    pid_t payload = payload_leaving_an_orphan(pid_pipe[1]);
    pid_t orphan = 0;
    expect(::read(pid_pipe[0], &orphan, sizeof orphan) == sizeof orphan, "the orphan's pid");

    expect(hpc::sandbox::supervise(payload, own_tasks.get(), spared) == 3, "the payload's status is returned");
    expect(::kill(orphan, 0) != 0 && errno == ESRCH, "the orphan was killed and reaped");
    expect(::waitpid(other, nullptr, WNOHANG) < 0 && errno == ECHILD, "the other child was reaped");
    expect(::waitpid(running, nullptr, WNOHANG) == 0, "the spared child that runs still runs, unreaped");
    int status = 0;
    expect(::waitpid(ended, &status, 0) == ended && WIFEXITED(status) && WEXITSTATUS(status) == 7,
           "the spared child that ended left its status to its owner");
    ::kill(running, SIGKILL);
    expect(::waitpid(running, &status, 0) == running && WIFSIGNALED(status), "the running one is ours to end");
    return failures;
}

}  // namespace

TEST_CASE("supervisor: spared children are neither killed nor reaped, the payload's orphans are") {
    int report[2];
    REQUIRE(::pipe(report) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(report[0]);
        ::alarm(30);  // a hang is killed and reported, not waited for
        std::string failures = check_supervision();
        ssize_t wrote = ::write(report[1], failures.data(), failures.size());
        ::_exit(wrote == static_cast<ssize_t>(failures.size()) ? 0 : 1);
    }
    ::close(report[1]);
    std::string failures;
    char buffer[1024];
    ssize_t got = 0;
    while ((got = ::read(report[0], buffer, sizeof buffer)) > 0) failures.append(buffer, static_cast<std::size_t>(got));
    ::close(report[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(failures == "");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
