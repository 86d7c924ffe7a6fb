#include "builder/host_command.hpp"

#include "common/error.hpp"
#include "sandbox/run/ownership_filter.hpp"
#include "sandbox/run/supervisor.hpp"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

extern char** environ;

namespace hpc::builder {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (const std::string& text : strings) pointers.push_back(const_cast<char*>(text.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

std::string name_of(const std::string& variable) { return variable.substr(0, variable.find('=')); }

}  // namespace

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> result;
    for (char** entry = environ; entry && *entry; ++entry) {
        std::string variable = *entry;
        bool replaced = false;
        for (const std::string& added : extra) replaced = replaced || name_of(added) == name_of(variable);
        if (!replaced) result.push_back(variable);
    }
    result.insert(result.end(), extra.begin(), extra.end());
    return result;
}

int run_host_command(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                     const HostCommandOptions& options) {
    std::vector<char*> arguments = c_strings(argv);
    std::vector<char*> variables = c_strings(environment);
    auto exec_command = [&] {
        sandbox::release_signals();
        if (options.ownership_ignored) sandbox::install_ownership_filter();
        environ = variables.data();
        ::execvp(arguments[0], arguments.data());
        ::_exit(127);
    };
    pid_t child = ::fork();
    if (child < 0) throw_errno("fork " + argv.front());
    if (child == 0) {
        try {
            if (!options.own_pid_namespace) exec_command();
            // PID 1 of the new namespace supervises the command (a PID 1 ignores the
            // terminal's ^C; the command must not) and takes whatever it left when it ends.
            if (::unshare(CLONE_NEWPID) != 0) throw_errno("unshare a PID namespace for " + argv.front());
            pid_t init = ::fork();
            if (init < 0) throw_errno("fork the init of " + argv.front() + "'s PID namespace");
            if (init > 0) {
                int status = 0;
                while (::waitpid(init, &status, 0) < 0 && errno == EINTR) {
                }
                ::_exit(sandbox::exit_status_of(status));
            }
            pid_t command = ::fork();
            if (command < 0) throw_errno("fork " + argv.front() + " in its PID namespace");
            if (command == 0) exec_command();
            ::_exit(sandbox::supervise(command, -1));
        } catch (const Error& error) {
            std::fprintf(stderr, "hpc: %s\n", error.what());
            ::_exit(static_cast<int>(error.code()));
        }
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) throw_errno("wait for " + argv.front());
    int code = sandbox::exit_status_of(status);
    if (code == 128 + SIGINT || code == 128 + SIGTERM || code == 128 + SIGHUP)
        throw Error(ExitCode::interrupted, argv.front() + " was interrupted");
    return code;
}

}  // namespace hpc::builder
