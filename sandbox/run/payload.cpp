#include "sandbox/run/payload.hpp"

#include "common/error.hpp"
#include "sandbox/run/capabilities.hpp"
#include "sandbox/run/ownership_filter.hpp"
#include "sandbox/run/supervisor.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace hpc::sandbox {
namespace {

// Every fd above stderr closes at exec, so the payload sees 0, 1 and 2 only. An fd that
// reports an exec failure to the launcher stays usable until the exec itself.
void close_fds_at_exec() {
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    int highest = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 65536 ? 65536 : static_cast<int>(limit.rlim_cur);
    for (int fd = 3; fd < highest; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (const std::string& text : strings) pointers.push_back(const_cast<char*>(text.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace

void exec_payload(const PayloadCommand& command, bool ownership_ignored) {
    if (command.argv.empty()) throw Error(ExitCode::usage, "no command to run");
    close_fds_at_exec();
    release_signals();
    // Nothing in the container may gain privileges through setuid or file capabilities.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw_errno("set no_new_privs");
    if (ownership_ignored) install_ownership_filter();
    if (command.umask) ::umask(static_cast<mode_t>(*command.umask));
    if (command.no_capabilities) drop_every_capability();
    std::vector<char*> argv = c_strings(command.argv);
    std::vector<char*> envp = c_strings(command.envp);
    // execvp searches the PATH of `environ`: make that the container's before looking.
    environ = envp.data();
    ::execvp(argv[0], argv.data());
    int err = errno;
    const std::string& name = command.argv.front();
    if (err == ENOENT || err == ENOTDIR)
        throw Error(ExitCode::command_not_found, name + ": command not found in the container", err);
    throw Error(ExitCode::command_not_executable, name + ": cannot execute in the container: " + std::strerror(err),
                err);
}

}  // namespace hpc::sandbox
