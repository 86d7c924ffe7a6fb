#include "sandbox/run/spawn.hpp"

#include "common/error.hpp"

#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <csignal>

namespace hpc::sandbox {
namespace {

// Enough for the executor's last steps and an error report; only what is touched is faulted in.
constexpr std::size_t child_stack_size = 1 << 20;

int run_body(void* body) {
    (*static_cast<const std::function<void()>*>(body))();
    ::_exit(127);  // the body must not return
}

}  // namespace

pid_t spawn_sharing_memory(const std::function<void()>& body, bool new_pid_namespace) {
    void* stack = ::mmap(nullptr, child_stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                         -1, 0);
    if (stack == MAP_FAILED) throw_errno("allocate the payload's start-up stack");
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (new_pid_namespace ? CLONE_NEWPID : 0);
    pid_t pid = ::clone(run_body, static_cast<char*>(stack) + child_stack_size, flags,
                        const_cast<std::function<void()>*>(&body));
    int err = errno;
    // Back here the child has exec'd or exited: its stack is free again.
    ::munmap(stack, child_stack_size);
    if (pid < 0) throw_errno("start the payload", err);
    return pid;
}

}  // namespace hpc::sandbox
