#include "builder/host_command.hpp"

#include "common/error.hpp"
#include "sandbox/supervisor.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

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
                     const std::string& directory) {
    std::vector<char*> arguments = c_strings(argv);
    std::vector<char*> variables = c_strings(environment);
    pid_t child = ::fork();
    if (child < 0) throw_errno("fork " + argv.front());
    if (child == 0) {
        sandbox::release_signals();
        if (!directory.empty() && ::chdir(directory.c_str()) != 0) ::_exit(127);
        environ = variables.data();
        ::execvp(arguments[0], arguments.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) throw_errno("wait for " + argv.front());
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGHUP))
        throw Error(ExitCode::interrupted, argv.front() + " was interrupted");
    return sandbox::exit_status_of(status);
}

}  // namespace hpc::builder
