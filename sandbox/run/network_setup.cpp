#include "sandbox/run/network_setup.hpp"

#include "common/error.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace hpc::sandbox {
namespace {

void bring_loopback_up() {
    UniqueFd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!socket) throw_errno("socket for the loopback interface");
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(socket.get(), SIOCGIFFLAGS, &request) != 0) throw_errno("read the loopback interface's flags");
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    if (::ioctl(socket.get(), SIOCSIFFLAGS, &request) != 0) throw_errno("bring the loopback interface up");
}

// A container's services listen where they would on a machine of their own (a web server on
// 80), as root-less Podman's do: no port of its own network is privileged.
void open_low_ports() {
    UniqueFd setting(::open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY | O_CLOEXEC));
    if (!setting || ::write(setting.get(), "0", 1) != 1) throw_errno("allow low ports in the network namespace");
}

}  // namespace

void enter_network_namespaces(const NetworkPlan& network) {
    if (network.mode != NetworkMode::host) {
        if (::unshare(CLONE_NEWNET) != 0) throw_errno("unshare a network namespace");
        bring_loopback_up();
        open_low_ports();
    }
    if (!network.hostname.empty()) {
        if (::unshare(CLONE_NEWUTS) != 0) throw_errno("unshare a UTS namespace");
        if (::sethostname(network.hostname.data(), network.hostname.size()) != 0)
            throw_errno("sethostname " + network.hostname);
    }
}

}  // namespace hpc::sandbox
