#include "common/host_port.hpp"

#include <catch2/catch.hpp>

using hpc::host_port_problem;

TEST_CASE("host_port: names, IPv4, bracketed IPv6, with and without a port", "[host_port]") {
    for (const char* good : {"docker.io", "localhost", "127.0.0.1", "127.0.0.1:5000", "my-registry.site.org:443",
                             "GHCR.IO", "a", "a1-b2.c", "[::1]", "[fe80::1]:5000", "localhost:65535", "x:1"})
        CHECK_FALSE(host_port_problem(good).has_value());
}

TEST_CASE("host_port: what is wrong, in a phrase that does not repeat the text", "[host_port]") {
    CHECK(host_port_problem("") == "no host name");
    CHECK(host_port_problem(":5000") == "no host name");
    CHECK(host_port_problem("a..b") == "an empty name component");
    CHECK(host_port_problem("a.") == "an empty name component");
    CHECK(host_port_problem(".a") == "an empty name component");
    CHECK(host_port_problem("-a.b") == "a name component starts or ends with '-'");
    CHECK(host_port_problem("a.b-") == "a name component starts or ends with '-'");
    CHECK(host_port_problem("a_b") == "'_' in the host name");
    CHECK(host_port_problem("a b") == "' ' in the host name");
    CHECK(host_port_problem("a/b") == "'/' in the host name");
    CHECK(host_port_problem(std::string_view("a\nb", 3)) == "'\\x0a' in the host name");
    CHECK(host_port_problem("https://ghcr.io") == "a URL, not a host name (write the host alone)");
    CHECK(host_port_problem("a:") == "port '' is not a number from 1 to 65535");
    CHECK(host_port_problem("a:0") == "port '0' is not a number from 1 to 65535");
    CHECK(host_port_problem("a:65536") == "port '65536' is not a number from 1 to 65535");
    CHECK(host_port_problem("a:123456") == "port '123456' is not a number from 1 to 65535");
    CHECK(host_port_problem("a:80:80") == "port '80:80' is not a number from 1 to 65535");
    CHECK(host_port_problem("a:+80") == "port '+80' is not a number from 1 to 65535");
    CHECK(host_port_problem("[::1") == "'[' without ']'");
    CHECK(host_port_problem("[]") == "not an IPv6 address in brackets");
    CHECK(host_port_problem("[::g]") == "not an IPv6 address in brackets");
    CHECK(host_port_problem("[::1]5000") == "text after the IPv6 address's ']'");
    CHECK(host_port_problem("[::1]:0") == "port '0' is not a number from 1 to 65535");
}

