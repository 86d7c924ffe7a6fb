#include "cmd/instance_start.hpp"

#include "cmd/instance_lookup.hpp"
#include "cmd/planned_launch.hpp"
#include "cmd/report.hpp"
#include "common/environ.hpp"
#include "common/error.hpp"
#include "common/pipe.hpp"
#include "common/process_environment.hpp"
#include "common/read_to_end.hpp"
#include "common/write_file.hpp"
#include "instance/instance_name.hpp"
#include "instance/process_stat.hpp"
#include "sandbox/plan/network_plan.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <iostream>

namespace hpc::cmd {
namespace {

constexpr std::string_view ready_word = "ready ";

uint64_t start_time_of(int proc, pid_t pid) {
    UniqueFd process(::openat(proc, std::to_string(pid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::optional<instance::ProcessStat> stat = process ? instance::read_process_stat(process.get()) : std::nullopt;
    if (!stat) throw Error(ExitCode::os, "read the start time of process " + std::to_string(pid));
    return stat->start_time;
}

void redirect(int from, int to) {
    if (::dup2(from, to) < 0) throw_errno("redirect the instance's output");
}

void detach_input() {
    UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null) throw_errno("open /dev/null");
    redirect(null.get(), STDIN_FILENO);
}

struct Launcher {
    const InstanceStartOptions& options;
    sandbox::Action action;
    std::string name;
    const instance::InstanceDirectory& directory;
    int proc;
    UniqueFd report;  // to the starting command: "ready PID", or "CODE\nMESSAGE"
    bool logging = false;  // stdout and stderr go to the instance's logs

    instance::InstanceRecord record_of(const PlannedLaunch& launch, const instance::LogFiles& logs, pid_t init) const {
        instance::InstanceRecord record;
        record.name = name;
        record.user = own_user_name();
        record.pid = init;
        record.pid_start = start_time_of(proc, init);
        record.launcher = ::getpid();
        record.launcher_start = start_time_of(proc, ::getpid());
        record.image = launch.image().resolved_path();
        if (launch.plan().network.mode == sandbox::NetworkMode::slirp) record.ip = sandbox::slirp_container_address;
        record.log_out = logs.out_path;
        record.log_err = logs.err_path;
        record.fakeroot = options.action.fakeroot;
        record.slurm_job = std::string(environ_value(process_environment(), "SLURM_JOB_ID").value_or(""));
        record.started = static_cast<int64_t>(::time(nullptr));
        return record;
    }

    // The instance from start to stop, in the forked launcher.
    int run() {
        if (::setsid() < 0) throw_errno("start a session for the instance");
        std::optional<UniqueFd> lock = directory.take_lock(name);
        if (!lock) throw Error(ExitCode::in_use, "instance " + name + ": starting or running already");
        directory.remove_record(name);  // a stale one's, which no launcher held
        instance::LogFiles logs = directory.open_logs(name);
        detach_input();
        PlannedLaunch launch(options.action, action, true);
        launch.announce(options.action);  // warnings, on the starting command's terminal still
        redirect(logs.out.get(), STDOUT_FILENO);
        redirect(logs.err.get(), STDERR_FILENO);
        logging = true;
        sandbox::ExecutorHooks hooks;
        hooks.container_started = [&](pid_t init) {
            directory.write_record(record_of(launch, logs, init));
            write_all(report.get(), std::string(ready_word) + std::to_string(init), "the instance's start-up report");
            report.reset();
        };
        int status = 0;
        try {
            status = launch.run(options.action, hooks);
        } catch (...) {
            directory.remove_record(name);
            directory.remove_lock(name);
            throw;
        }
        directory.remove_record(name);
        directory.remove_lock(name);
        return status;
    }

    // Never returns into the starting command's code: the child of fork(2) ends here.
    [[noreturn]] void run_and_exit() noexcept {
        int status = 0;
        try {
            status = run();
        } catch (const Error& error) {
            status = static_cast<int>(error.code());
            say_failure(status, error.what());
        } catch (const std::exception& error) {
            status = static_cast<int>(ExitCode::software);
            say_failure(status, std::string("internal error: ") + error.what());
        }
        std::cout.flush();
        ::_exit(status);
    }

    void say_failure(int code, const std::string& message) noexcept {
        if (logging || !report) report_error(message);  // else the starting command says it
        if (!report) return;
        std::string text = std::to_string(code) + "\n" + message;
        ssize_t ignored = ::write(report.get(), text.data(), text.size());
        (void)ignored;
    }
};

// What the launcher said, as the starting command's outcome.
pid_t outcome(const std::string& said, const std::string& name) {
    if (said.starts_with(ready_word)) return static_cast<pid_t>(std::stoi(said.substr(ready_word.size())));
    std::size_t newline = said.find('\n');
    if (said.empty() || newline == std::string::npos)
        throw Error(ExitCode::software, "instance " + name + ": its launcher ended before the container was up");
    throw Error(static_cast<ExitCode>(std::stoi(said.substr(0, newline))), said.substr(newline + 1));
}

}  // namespace

int start_instance(const InstanceStartOptions& options, sandbox::Action action) {
    const std::vector<std::string>& words = options.action.image_and_args;
    if (words.size() < 2) throw Error(ExitCode::usage, "instance: give an image and a name for the instance");
    std::string name = words[1];
    instance::check_instance_name(name);
    InstanceStartOptions launched = options;
    launched.action.image_and_args.erase(launched.action.image_and_args.begin() + 1);
    if (options.action.dry_run) {
        PlannedLaunch(launched.action, action, true).announce(launched.action);
        return 0;
    }
    instance::InstanceDirectory directory = instances_of();
    UniqueFd proc = open_proc();
    if (instance::find_running(directory, name, proc.get()))
        throw Error(ExitCode::in_use, "instance " + name + ": running already (hpc instance stop " + name + " ends it)");

    Pipe report("the instance's start-up report");
    std::cout.flush();
    std::cerr.flush();
    pid_t launcher = ::fork();
    if (launcher < 0) throw_errno("fork the instance's launcher");
    if (launcher == 0) {
        report.read.reset();
        Launcher{launched, action, name, directory, proc.get(), std::move(report.write)}.run_and_exit();
    }
    report.write.reset();
    std::string said = read_to_end(report.read.get(), 64 * 1024).bytes;
    if (!said.starts_with(ready_word)) ::waitpid(launcher, nullptr, 0);  // it has ended, or is ending
    pid_t init = outcome(said, name);
    if (!options.pid_file.empty()) write_file(options.pid_file, std::to_string(init) + "\n", 0644);
    report_notice("instance " + name + " started");
    return 0;
}

}  // namespace hpc::cmd
