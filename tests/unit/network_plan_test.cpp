// Choosing the container's network (network_plan.hpp): host unless asked, --net is slirp, port
// maps only into slirp, and every malformed argument a usage error that names it.
#include "sandbox/plan/network_plan.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using namespace hpc::sandbox;
using hpc::ExitCode;
using hpc::test::error_message;

namespace {

NetworkRequest asking(std::string network, std::vector<std::string> args = {}) {
    NetworkRequest request;
    request.network = std::move(network);
    request.network_args = std::move(args);
    return request;
}

}  // namespace

TEST_CASE("network: the host's by default, --net alone is slirp, --network names one", "[network]") {
    CHECK(plan_network({}).mode == NetworkMode::host);
    NetworkRequest net;
    net.net = true;
    CHECK(plan_network(net).mode == NetworkMode::slirp);
    net.network = "none";  // --net --network none: the name wins
    CHECK(plan_network(net).mode == NetworkMode::none);
    CHECK(plan_network(asking("host")).mode == NetworkMode::host);
    CHECK(error_message([] { plan_network(asking("bridge")); }) ==
          "--network bridge: not a network hpc makes (host, none, slirp)");
}

TEST_CASE("network: the site's default and the networks it allows", "[network]") {
    hpc::site::NetworkPolicy site;
    site.default_network = "none";
    CHECK(plan_network({}, site).mode == NetworkMode::none);
    site.allow = {"none", "slirp"};
    CHECK(error_message([&] { plan_network(asking("host"), site); }, ExitCode::denied) ==
          "denied by site policy: network.allow: host");
    NetworkRequest net;
    net.net = true;
    site.allow = {"host", "none"};
    CHECK(error_message([&] { plan_network(net, site); }, ExitCode::denied) ==
          "denied by site policy: network.allow: slirp");
}

TEST_CASE("network: port maps go into slirp, in Apptainer's syntax", "[network]") {
    NetworkPlan plan = plan_network(asking("slirp", {"portmap=8080:80/tcp", "portmap=5353:53/udp", "portmap=2222:22"}));
    CHECK(plan.port_maps ==
          std::vector<PortMap>{{8080, 80, "tcp"}, {5353, 53, "udp"}, {2222, 22, "tcp"}});
    CHECK(error_message([] { plan_network(asking("host", {"portmap=8080:80/tcp"})); }) ==
          "--network-args portmap=8080:80/tcp: ports are forwarded only into --network slirp");
    CHECK(error_message([] { plan_network(asking("slirp", {"portmap=8080"})); }) ==
          "--network-args portmap=8080: expected portmap=HOST_PORT:CONTAINER_PORT[/tcp|udp]");
    CHECK(error_message([] { plan_network(asking("slirp", {"portmap=70000:80"})); }) ==
          "--network-args portmap=70000:80: 70000 is not a port number (1-65535)");
    CHECK(error_message([] { plan_network(asking("slirp", {"portmap=80:x1"})); }) ==
          "--network-args portmap=80:x1: x1 is not a port number (1-65535)");
    CHECK(error_message([] { plan_network(asking("slirp", {"portmap=80:80/sctp"})); }) ==
          "--network-args portmap=80:80/sctp: the protocol is tcp or udp, not sctp");
    CHECK(error_message([] { plan_network(asking("slirp", {"mtu=1500"})); }) ==
          "--network-args mtu=1500: not an argument hpc knows (portmap=HOST:CONTAINER/tcp)");
}

TEST_CASE("network: --hostname takes a host name and nothing else", "[network]") {
    NetworkRequest request;
    request.hostname = "node-01.cluster";
    CHECK(plan_network(request).hostname == "node-01.cluster");
    CHECK(plan_network(request).mode == NetworkMode::host);  // a UTS namespace needs no network one
    request.hostname = "bad name";
    CHECK(error_message([&] { plan_network(request); }) ==
          "--hostname bad name: not a host name (letters, digits, '-' and '.', at most 64)");
    request.hostname = std::string(65, 'a');
    CHECK_THROWS(plan_network(request));
    request.hostname = "";  // issue 14: was accepted silently (and read a byte before the string)
    CHECK(error_message([&] { plan_network(request); }) ==
          "--hostname : not a host name (letters, digits, '-' and '.', at most 64)");
}

TEST_CASE("network: --dns takes IPv4 and IPv6 addresses, at most three", "[network]") {
    NetworkRequest request;
    request.dns = {"192.0.2.53", "2001:db8::1", "::ffff:192.0.2.1"};
    CHECK(plan_network(request).dns == std::vector<std::string>{"192.0.2.53", "2001:db8::1", "::ffff:192.0.2.1"});
    auto refusal = [](std::vector<std::string> dns) {
        NetworkRequest bad;
        bad.dns = std::move(dns);
        return hpc::test::error_message([&] { plan_network(bad); });
    };
    CHECK(refusal({"256.1.1.1"}) == "--dns 256.1.1.1: not an IPv4 or IPv6 address");
    CHECK(refusal({"1.2.3"}) == "--dns 1.2.3: not an IPv4 or IPv6 address");
    CHECK(refusal({"ns.example.org"}) == "--dns ns.example.org: not an IPv4 or IPv6 address");
    CHECK(refusal({"1::2::3"}) == "--dns 1::2::3: not an IPv4 or IPv6 address");
    CHECK(refusal({"1.1.1.1\nnameserver 6.6.6.6"}) == "--dns 1.1.1.1\nnameserver 6.6.6.6: not an IPv4 or IPv6 address");
    CHECK(refusal({"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"}) ==
          "--dns: 4 name servers; resolv.conf's readers take at most 3");
}
