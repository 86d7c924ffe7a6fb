#include "common/host_port.hpp"

#include "common/printable.hpp"

#include <algorithm>

namespace hpc {
namespace {

bool is_letter_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::optional<std::string> dns_name_problem(std::string_view name) {
    if (name.empty()) return "no host name";
    for (size_t start = 0;;) {
        size_t dot = name.find('.', start);
        std::string_view component =
            name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (component.empty()) return "an empty name component";
        auto bad =
            std::find_if(component.begin(), component.end(), [](char c) { return !is_letter_or_digit(c) && c != '-'; });
        if (bad != component.end()) return quoted_printable(std::string_view(&*bad, 1)) + " in the host name";
        if (component.front() == '-' || component.back() == '-') return "a name component starts or ends with '-'";
        if (dot == std::string_view::npos) return std::nullopt;
        start = dot + 1;
    }
}

// "[HEX:HEX...]": the reference grammar's loose form; the resolver judges the address itself.
std::optional<std::string> ipv6_problem(std::string_view bracketed) {
    std::string_view inside = bracketed.substr(1, bracketed.size() - 2);
    bool loose_ok = !inside.empty() &&
                    std::all_of(inside.begin(), inside.end(), [](char c) { return is_hex_digit(c) || c == ':'; });
    if (!loose_ok) return "not an IPv6 address in brackets";
    return std::nullopt;
}

std::optional<std::string> port_problem(std::string_view port) {
    bool digits = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    unsigned long number = digits ? std::stoul(std::string(port)) : 0;
    if (number >= 1 && number <= 65535) return std::nullopt;
    return "port " + quoted_printable(port) + " is not a number from 1 to 65535";
}

}  // namespace

std::optional<std::string> host_port_problem(std::string_view text) {
    if (text.empty()) return "no host name";
    // "https://host" is how Docker's config.json names registries; an admin may well write it.
    if (text.find("://") != std::string_view::npos) return "a URL, not a host name (write the host alone)";
    std::string_view host = text;
    std::optional<std::string_view> port;
    if (text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos) return "'[' without ']'";
        host = text.substr(0, close + 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return "text after the IPv6 address's ']'";
            port = rest.substr(1);
        }
        if (auto problem = ipv6_problem(host)) return problem;
    } else {
        size_t colon = text.find(':');
        if (colon != std::string_view::npos) {
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
        }
        if (auto problem = dns_name_problem(host)) return problem;
    }
    if (port) return port_problem(*port);
    return std::nullopt;
}


}  // namespace hpc
