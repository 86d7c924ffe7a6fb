#include "sandbox/run/ownership_filter.hpp"

#include "common/error.hpp"

#include <seccomp.h>

#include <cstring>
#include <memory>

namespace hpc::sandbox {

void install_ownership_filter() {
    std::unique_ptr<void, void (*)(scmp_filter_ctx)> filter(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
    if (!filter) throw Error(ExitCode::unavailable, "seccomp: cannot make a filter");
    // SECCOMP_RET_ERRNO with errno 0: the call returns 0, having done nothing.
    const uint32_t succeed_without_effect = SCMP_ACT_ERRNO(0);
    for (int call : {SCMP_SYS(chown), SCMP_SYS(fchown), SCMP_SYS(lchown), SCMP_SYS(fchownat), SCMP_SYS(setuid),
                     SCMP_SYS(setgid), SCMP_SYS(setreuid), SCMP_SYS(setregid), SCMP_SYS(setresuid),
                     SCMP_SYS(setresgid), SCMP_SYS(setfsuid), SCMP_SYS(setfsgid), SCMP_SYS(setgroups)}) {
        int failed = seccomp_rule_add(filter.get(), succeed_without_effect, call, 0);
        if (failed != 0)
            throw Error(ExitCode::unavailable,
                        "seccomp: cannot add a rule to the ownership filter: " + std::string(std::strerror(-failed)), -failed);
    }
    int failed = seccomp_load(filter.get());
    if (failed != 0)
        throw Error(ExitCode::unavailable,
                    "seccomp: the kernel refused the ownership filter: " + std::string(std::strerror(-failed)), -failed);
}

}  // namespace hpc::sandbox
