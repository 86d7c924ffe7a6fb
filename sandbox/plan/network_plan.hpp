// The container's network, decided with the rest of the plan: the host's own (the default, as
// Apptainer's and what MPI and licence servers expect), none (loopback only), or a private
// network namespace served by slirp4netns, with host ports forwarded into it. Pure: parsing
// and choosing; sandbox/run/network_setup.hpp and sandbox/run/slirp_network.hpp make it so.
#pragma once

#include "site-config/site_config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::sandbox {

enum class NetworkMode { host, none, slirp };

// "host", "none", "slirp", as --network and the site config name them.
std::optional<NetworkMode> network_mode_named(std::string_view name);
std::string_view name_of(NetworkMode mode);

// A host port forwarded to a port of the container: --network-args "portmap=8080:80/tcp".
struct PortMap {
    uint16_t host_port = 0;
    uint16_t container_port = 0;
    std::string protocol = "tcp";  // or "udp"

    bool operator==(const PortMap&) const = default;
};

struct NetworkPlan {
    NetworkMode mode = NetworkMode::host;
    std::vector<PortMap> port_maps;  // slirp only
    std::string hostname;            // non-empty: a UTS namespace of its own with this name
    // --dns: the name servers the container's /etc/resolv.conf names, in place of the host's
    // (or slirp's); empty: those.
    std::vector<std::string> dns;

    bool operator==(const NetworkPlan&) const = default;
};

// Where slirp4netns answers DNS inside its network: the container's /etc/resolv.conf names it.
inline constexpr char slirp_dns_address[] = "10.0.2.3";
// The container's own address there (slirp4netns --configure's default), as instance list shows it.
inline constexpr char slirp_container_address[] = "10.0.2.100";

struct NetworkRequest {
    bool net = false;                       // --net: a network of its own (slirp unless --network says)
    std::string network;                    // --network NAME; empty: --net's, or the default
    std::vector<std::string> network_args;  // --network-args, one argument each
    std::optional<std::string> hostname;    // --hostname (given empty, it is refused)
    std::vector<std::string> dns;           // --dns, one address each
};

// Throws hpc::Error(usage) for an unknown network, a malformed or unknown --network-args item
// or one the network cannot take (a port map without slirp), a bad host name, a --dns item that
// is no IPv4 or IPv6 address or more of them than resolvers read, and
// hpc::Error(denied) "denied by site policy: network.allow: NAME" for a network the site
// does not allow. Without --net or --network, the site's default network.
NetworkPlan plan_network(const NetworkRequest& request, const site::NetworkPolicy& site = {});

}  // namespace hpc::sandbox
