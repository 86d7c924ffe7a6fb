// A registry's network address as references and the site config write it, "HOST[:PORT]":
// one grammar for both, so that a name the site config accepts is one a reference can hold.
// The grammar is the distribution reference's (github.com/distribution/reference, regexp.go):
// HOST is a DNS name, components of letters and digits with inner '-' joined by '.' (which
// covers IPv4 addresses), or an IPv6 address in brackets; PORT is a decimal number, here held
// to 1..65535 since no other can be contacted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hpc {

// What is wrong with `text` as HOST[:PORT], as a phrase that does not repeat it ("an empty name
// component", "port '0' is not a number from 1 to 65535"), or nullopt when it is one.
std::optional<std::string> host_port_problem(std::string_view text);

}  // namespace hpc
