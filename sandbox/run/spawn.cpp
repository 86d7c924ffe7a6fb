#include "sandbox/run/spawn.hpp"

#include "common/error.hpp"

#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

// The child runs `body` on a stack of its own in the same memory.
[[maybe_unused]] pid_t spawn_on_own_stack(const std::function<void()>& body, int flags) {
    void* stack = ::mmap(nullptr, child_stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                         -1, 0);
    if (stack == MAP_FAILED) throw_errno("allocate the payload's start-up stack");
    pid_t pid = ::clone(run_body, static_cast<char*>(stack) + child_stack_size, flags | CLONE_VM,
                        const_cast<std::function<void()>*>(&body));
    int err = errno;
    // Back here the child has exec'd or exited: its stack is free again.
    ::munmap(stack, child_stack_size);
    if (pid < 0) throw_errno("start the payload", err);
    return pid;
}

// AddressSanitizer cannot follow a child that runs on a stack of ours in the same memory: it takes
// the child's frames for the caller's and may report falsely. The sanitized build
// (tests/sanitizers/run) copies the memory instead, as fork does; the body reports through its
// descriptors either way, and CLONE_VFORK still holds the caller until the child execs.
[[maybe_unused]] pid_t spawn_copying_memory(const std::function<void()>& body, int flags) {
    long pid = ::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) throw_errno("start the payload");
    if (pid == 0) run_body(const_cast<std::function<void()>*>(&body));
    return static_cast<pid_t>(pid);
}

}  // namespace

pid_t spawn_sharing_memory(const std::function<void()>& body, bool new_pid_namespace) {
    int flags = CLONE_VFORK | SIGCHLD | (new_pid_namespace ? CLONE_NEWPID : 0);
#if defined(__SANITIZE_ADDRESS__)
    return spawn_copying_memory(body, flags);
#else
    return spawn_on_own_stack(body, flags);
#endif
}

}  // namespace hpc::sandbox
