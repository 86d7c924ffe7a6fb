// The epilog's search for what a job's containers left running (slurm/job_epilog.hpp): a process
// of the job inside a user namespace is found and ended; the same job's processes on the host,
// and another job's in a container, are not.
#include "slurm/job_epilog.hpp"

#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace {

// A `sleep` with SLURM_JOB_ID=`job` in its environment, in a user namespace of its own or not,
// after a variable of `padding` bytes.
pid_t start_sleeper(const std::string& job, bool contained, std::size_t padding = 0) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (contained && ::unshare(CLONE_NEWUSER) != 0) ::_exit(111);
        std::string tag = "SLURM_JOB_ID=" + job;
        std::string pad = "PAD=" + std::string(padding, 'x');
        char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("60"), nullptr};
        char* const envp[] = {pad.data(), tag.data(), nullptr};
        ::execve("/bin/sleep", argv, envp);
        ::_exit(112);
    }
    return pid;
}

// execve done: /proc shows the new environment, the job's variable last in it. Not the process's
// name: execve renames the process before it lays out the new stack, and a scan in between found
// no environment (seen under load).
bool has_exec_finished(pid_t pid, const std::string& job) {
    std::string tag = std::string(1, '\0') + "SLURM_JOB_ID=" + job + std::string(1, '\0');
    std::string path = "/proc/" + std::to_string(pid) + "/environ";
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (FILE* file = std::fopen(path.c_str(), "r")) {
            std::string environment;
            char piece[4096];
            for (std::size_t got; (got = std::fread(piece, 1, sizeof piece, file)) > 0;) environment.append(piece, got);
            std::fclose(file);
            if (environment.find(tag) != std::string::npos) return true;
        }
        ::usleep(5000);
    }
    return false;
}

std::string own_link(const char* path) {
    char buffer[256];
    ssize_t length = ::readlink(path, buffer, sizeof buffer);
    return length > 0 ? std::string(buffer, static_cast<size_t>(length)) : "";
}

}  // namespace

TEST_CASE("slurm epilog: the job's processes in containers are found and ended, nothing else", "[slurm]") {
    std::string job = std::to_string(900000 + ::getpid());
    std::string other_job = std::to_string(800000 + ::getpid());
    pid_t contained = start_sleeper(job, true);
    pid_t on_host = start_sleeper(job, false);
    pid_t other = start_sleeper(other_job, true);
    REQUIRE(has_exec_finished(contained, job));
    REQUIRE(has_exec_finished(on_host, job));
    REQUIRE(has_exec_finished(other, other_job));

    std::vector<hpc::slurm::Leftover> found = hpc::slurm::leftover_processes(
        "/proc", job, ::getuid(), own_link("/proc/self/exe"), own_link("/proc/self/ns/user"));
    REQUIRE(found.size() == 1);
    CHECK(found.front().pid == contained);

    hpc::slurm::SlurmJob slurm_job{job, ::getuid(), ::getgid(), "", false};
    hpc::slurm::EpilogReport report = hpc::slurm::run_epilog(slurm_job, {});
    CHECK(report.processes_ended == 1);
    int status = 0;
    REQUIRE(::waitpid(contained, &status, 0) == contained);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    for (pid_t pid : {on_host, other}) {
        CHECK(::waitpid(pid, &status, WNOHANG) == 0);  // still running
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
}

TEST_CASE("slurm epilog: the job's variable is found after a large one, across the pieces it is read in", "[slurm]") {
    std::string job = std::to_string(910000 + ::getpid());
    // The epilog reads /proc/PID/environ 64 KiB at a time: this puts SLURM_JOB_ID=... across the
    // first boundary ("PAD=" and its NUL are 5 bytes), and a longer lookalike after it.
    pid_t split = start_sleeper(job, true, 64 * 1024 - 5 - 6);
    pid_t lookalike = start_sleeper(job + "0", true, 100 * 1024);
    REQUIRE(has_exec_finished(split, job));
    REQUIRE(has_exec_finished(lookalike, job + "0"));
    std::vector<hpc::slurm::Leftover> found = hpc::slurm::leftover_processes(
        "/proc", job, ::getuid(), own_link("/proc/self/exe"), own_link("/proc/self/ns/user"));
    REQUIRE(found.size() == 1);
    CHECK(found.front().pid == split);
    int status = 0;
    for (pid_t pid : {split, lookalike}) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
}
