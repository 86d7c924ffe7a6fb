// What a registry's 401 asks for: the challenges of its WWW-Authenticate header (RFC 7235 2.1).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::http {

struct Challenge {
    std::string scheme;  // lower-case: "bearer", "basic"
    std::vector<std::pair<std::string, std::string>> params;  // names lower-case, values unquoted (\" escapes undone)
    std::string token68;  // the other form a challenge may take (`Negotiate abc==`), as sent; then no params
    const std::string* param(std::string_view lower_case_name) const;
};

// The bounds of parse_www_authenticate: a header beyond them is refused, not cut.
inline constexpr std::size_t max_challenges = 16;
inline constexpr std::size_t max_challenge_params = 32;   // in each challenge
inline constexpr std::size_t max_challenge_value = 4096;  // bytes of one value or token68, unquoted

// RFC 7235 challenges of one or more WWW-Authenticate values:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"
//   Basic realm="Registry Realm"
// Bounded: at most 16 challenges and 32 params, each value at most 4096 bytes; malformed text
// throws hpc::Error(data) naming the header. Several header fields are given joined by ", " (RFC
// 9110 5.3). A parameter named twice in one challenge is malformed (RFC 7235 2.1: "MUST only
// occur once").
std::vector<Challenge> parse_www_authenticate(std::string_view value);

}  // namespace hpc::http
