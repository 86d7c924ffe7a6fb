// One repository of one registry, as the distribution spec's clients talk to it: requests to
// /v2/REPOSITORY/..., answered with a token when the registry asks for one (a 401 with
// `WWW-Authenticate: Bearer realm=...,service=...,scope=...`, the token fetched from the realm
// with the user's credentials if there are any) or with basic credentials when it asks for
// those. libcurl is loaded at the first request, not before: a run from the cache needs none.
#pragma once

#include "http/http_client.hpp"
#include "http/www_authenticate.hpp"
#include "image/registry/registry_access.hpp"
#include "image/registry/registry_reference.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hpc::image::registry {

enum class Access { pull, push };

class RegistrySession {
public:
    // Throws hpc::Error(denied) for a registry the site does not allow.
    RegistrySession(RegistryReference reference, const RegistryAccess& access, Access mode);

    const RegistryReference& reference() const { return reference_; }
    // "https://HOST": the registry's, after the site's mirror.
    std::string origin() const;
    // origin() + "/v2/REPOSITORY" + `path` ("/manifests/latest").
    std::string url(std::string_view path) const;
    // Sends with the authorization got so far; on a 401, answers the challenge and sends once
    // more. A request to another origin (an upload's Location elsewhere) is sent as it is. Returns the response whatever its status (check_status judges it). Throws what
    // http::Client::send throws, and hpc::Error(denied) when the registry asks for credentials
    // in a way hpc cannot answer or refuses those given.
    http::Response send(http::Request request);

private:
    http::Client& client();
    void authorize(const http::Response& unauthorized);
    void fetch_token(const http::Challenge& challenge);
    const std::optional<Credentials>& credentials();

    RegistryReference reference_;
    const RegistryAccess& access_;
    Access mode_;
    Endpoint endpoint_;
    std::unique_ptr<http::Client> client_;
    std::optional<std::optional<Credentials>> credentials_;  // looked up at the first challenge
    std::string authorization_;                              // "Authorization: ..." header, or ""
};

// A registry's answer that is not a success, as hpc::Error naming the reference and what the
// registry said (its error body's first message): 404 is no_input (an unknown image or tag),
// 401 and 403 denied, 429 and 5xx unavailable, anything else data. `what` says what was asked
// ("manifest latest", "blob sha256:ab12cd34ef56").
[[noreturn]] void fail_status(const RegistryReference& reference, const http::Response& response,
                              const std::string& what);

}  // namespace hpc::image::registry
