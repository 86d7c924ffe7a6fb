#include "sandbox/plan/network_plan.hpp"

#include "common/error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>

namespace hpc::sandbox {
namespace {

[[noreturn]] void usage_error(std::string message) { throw Error(ExitCode::usage, std::move(message)); }

uint16_t port_number(std::string_view text, const std::string& item) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
        usage_error("--network-args " + item + ": " + std::string(text) + " is not a port number (1-65535)");
    return static_cast<uint16_t>(value);
}

// "portmap=HOST:CONTAINER/PROTOCOL" (Apptainer's syntax; the protocol defaults to tcp).
PortMap parse_port_map(std::string_view value, const std::string& item) {
    PortMap map;
    std::size_t slash = value.find('/');
    if (slash != std::string_view::npos) {
        map.protocol = std::string(value.substr(slash + 1));
        value = value.substr(0, slash);
        if (map.protocol != "tcp" && map.protocol != "udp")
            usage_error("--network-args " + item + ": the protocol is tcp or udp, not " + map.protocol);
    }
    std::size_t colon = value.find(':');
    if (colon == std::string_view::npos)
        usage_error("--network-args " + item + ": expected portmap=HOST_PORT:CONTAINER_PORT[/tcp|udp]");
    map.host_port = port_number(value.substr(0, colon), item);
    map.container_port = port_number(value.substr(colon + 1), item);
    return map;
}

// An IPv4 or IPv6 address in the text forms a resolv.conf nameserver line takes; inet_pton(3)
// parses text alone, with no system call and no name service.
bool is_ip_address(const std::string& text) {
    unsigned char address[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, text.c_str(), address) == 1 || ::inet_pton(AF_INET6, text.c_str(), address) == 1;
}

// A name sethostname(2) and resolvers accept: letters, digits, '-' and '.', at most 64 bytes.
void check_hostname(const std::string& name) {
    bool valid = !name.empty() && name.size() <= 64 && name.front() != '-' && name.front() != '.' &&
                 std::all_of(name.begin(), name.end(), [](char c) {
                     return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.';
                 });
    if (!valid) usage_error("--hostname " + name + ": not a host name (letters, digits, '-' and '.', at most 64)");
}

NetworkMode chosen_mode(const NetworkRequest& request, const site::NetworkPolicy& site) {
    if (!request.network.empty()) {
        std::optional<NetworkMode> named = network_mode_named(request.network);
        if (!named) usage_error("--network " + request.network + ": not a network hpc makes (host, none, slirp)");
        return *named;
    }
    if (request.net) return NetworkMode::slirp;
    return network_mode_named(site.default_network).value_or(NetworkMode::host);  // the parser checked it
}

}  // namespace

std::optional<NetworkMode> network_mode_named(std::string_view name) {
    for (NetworkMode mode : {NetworkMode::host, NetworkMode::none, NetworkMode::slirp})
        if (name == name_of(mode)) return mode;
    return std::nullopt;
}

std::string_view name_of(NetworkMode mode) {
    switch (mode) {
        case NetworkMode::host: return "host";
        case NetworkMode::none: return "none";
        case NetworkMode::slirp: return "slirp";
    }
    return "host";
}

NetworkPlan plan_network(const NetworkRequest& request, const site::NetworkPolicy& site) {
    NetworkPlan plan;
    plan.mode = chosen_mode(request, site);
    std::string name(name_of(plan.mode));
    if (std::find(site.allow.begin(), site.allow.end(), name) == site.allow.end())
        throw Error(ExitCode::denied, "denied by site policy: network.allow: " + name);
    for (const std::string& item : request.network_args) {
        std::size_t equals = item.find('=');
        std::string key = item.substr(0, equals);
        if (key != "portmap" || equals == std::string::npos)
            usage_error("--network-args " + item + ": not an argument hpc knows (portmap=HOST:CONTAINER/tcp)");
        if (plan.mode != NetworkMode::slirp)
            usage_error("--network-args " + item + ": ports are forwarded only into --network slirp");
        plan.port_maps.push_back(parse_port_map(std::string_view(item).substr(equals + 1), item));
    }
    if (request.hostname) {
        check_hostname(*request.hostname);
        plan.hostname = *request.hostname;
    }
    // glibc's resolver reads three name servers (MAXNS); more would be ignored there.
    constexpr std::size_t most_name_servers = 3;
    if (request.dns.size() > most_name_servers)
        usage_error("--dns: " + std::to_string(request.dns.size()) + " name servers; resolv.conf's readers take at most 3");
    for (const std::string& address : request.dns) {
        if (!is_ip_address(address)) usage_error("--dns " + address + ": not an IPv4 or IPv6 address");
        plan.dns.push_back(address);
    }
    return plan;
}

}  // namespace hpc::sandbox
