// slirp4netns serving a container's network namespace (--network slirp): user-mode TCP/IP
// from the host's network namespace, with no privilege. It is started by the launcher, on the
// launcher's own network namespace, and ends with it (its exit fd is the launcher's pipe; it
// also dies with it by PR_SET_PDEATHSIG). Host loopback is out of reach from inside
// (--disable-host-loopback), and slirp4netns runs in its own sandbox with its seccomp filter.
// Ports of the host are forwarded into the container through its API socket, which lives in a
// tmpfs of the launcher's own mount namespace: nothing is left on the host when a launch is killed.
#pragma once

#include "common/unique_fd.hpp"
#include "sandbox/plan/network_plan.hpp"

#include <sys/types.h>

#include <string>

namespace hpc::sandbox {

class SlirpNetwork {
public:
    // While this process is still in the host's namespaces: finds slirp4netns on PATH (throws
    // hpc::Error(unavailable) naming the Debian package when it is missing) and forks the
    // process that becomes it once start() says so.
    explicit SlirpNetwork(const NetworkPlan& plan);
    ~SlirpNetwork();
    SlirpNetwork(const SlirpNetwork&) = delete;
    SlirpNetwork& operator=(const SlirpNetwork&) = delete;

    // This process has entered the container's user, mount and network namespaces (the mount
    // namespace still the host's tree): slirp4netns configures the network
    // (tap0, 10.0.2.100/24, DNS at 10.0.2.3), then the plan's ports are forwarded. Returns once
    // all is ready; throws hpc::Error(unavailable) with slirp4netns's own words when not.
    void start();

private:
    void forward_ports();
    void remove_api_socket() noexcept;

    NetworkPlan plan_;
    bool api_mounted_ = false;  // the tmpfs of the API socket, while ports are forwarded
    pid_t pid_ = -1;
    bool started_ = false;
    UniqueFd go_;          // the word to exec slirp4netns
    UniqueFd ready_;       // slirp4netns writes to it when the namespace is configured
    UniqueFd exit_;        // held open for our life: slirp4netns exits when it closes
    UniqueFd output_;      // its stdout and stderr, for the message when it fails
};

}  // namespace hpc::sandbox
