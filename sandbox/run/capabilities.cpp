#include "sandbox/run/capabilities.hpp"

#include "common/error.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace hpc::sandbox {

void drop_every_capability() {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) != 0) throw_errno("clear the ambient capabilities");
    // Up to the kernel's last: PR_CAPBSET_DROP says EINVAL past it.
    for (unsigned long capability = 0;; ++capability) {
        if (::prctl(PR_CAPBSET_DROP, capability, 0UL, 0UL, 0UL) == 0) continue;
        if (errno == EINVAL && capability > 0) break;
        throw_errno("drop capability " + std::to_string(capability) + " from the bounding set");
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, data) != 0) throw_errno("read the capabilities");
    for (__user_cap_data_struct& word : data) word.inheritable = 0;
    if (::syscall(SYS_capset, &header, data) != 0) throw_errno("clear the inheritable capabilities");
}

}  // namespace hpc::sandbox
