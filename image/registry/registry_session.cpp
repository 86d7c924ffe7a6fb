#include "image/registry/registry_session.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "image/registry/base64.hpp"

#include <nlohmann/json.hpp>

namespace hpc::image::registry {
namespace {

std::string scope_of(const RegistryReference& reference, Access mode) {
    return "repository:" + reference.repository + (mode == Access::push ? ":pull,push" : ":pull");
}

std::string basic_authorization(const Credentials& credentials) {
    return "Authorization: Basic " + base64_encode(credentials.username + ":" + credentials.password);
}

// The first message of a registry's error body ({"errors":[{"code":...,"message":...}]}), made
// fit for one line; "" when the body says none.
std::string registry_message(const std::string& body) {
    nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
    if (!document.is_object()) return "";
    auto errors = document.find("errors");
    if (errors == document.end() || !errors->is_array() || errors->empty() || !(*errors)[0].is_object()) return "";
    const nlohmann::json& first = (*errors)[0];
    std::string text;
    if (auto code = first.find("code"); code != first.end() && code->is_string()) text = code->get<std::string>();
    if (auto message = first.find("message"); message != first.end() && message->is_string())
        text += (text.empty() ? "" : ": ") + message->get<std::string>();
    return printable(text.substr(0, 300));
}

}  // namespace

RegistrySession::RegistrySession(RegistryReference reference, const RegistryAccess& access, Access mode)
    : reference_(std::move(reference)),
      access_(access),
      mode_(mode),
      endpoint_(resolve_endpoint(reference_, access_.policy, access_.site_config_path)) {}

std::string RegistrySession::origin() const {
    return std::string(access_.plain_http ? "http://" : "https://") + endpoint_.host;
}

std::string RegistrySession::url(std::string_view path) const {
    return origin() + "/v2/" + reference_.repository + std::string(path);
}

http::Client& RegistrySession::client() {
    if (!client_) {
        http::ClientOptions options;
        options.allow_plain_http = access_.plain_http;
        options.ca_file = access_.ca_file;
        options.ca_directory = access_.ca_directory;
        options.notice = access_.notice;
        options.attempts = access_.attempts;
        client_ = std::make_unique<http::Client>(options);
    }
    return *client_;
}

const std::optional<Credentials>& RegistrySession::credentials() {
    // A site's mirror gets the credentials for the mirror, never the user's for the registry it
    // stands in for (a Docker Hub password is not the site's to see).
    if (!credentials_)
        credentials_ = find_credentials(endpoint_.mirrored ? endpoint_.host : reference_.registry, access_.environ,
                                        access_.home, access_.credentials);
    return *credentials_;
}

http::Response RegistrySession::send(http::Request request) {
    // The registry's token or the user's password go to the registry alone: an upload's Location
    // may name another host, which gets neither (libcurl drops them on redirects the same way).
    if (!request.url.starts_with(origin() + "/")) return client().send(request);
    std::vector<std::string> headers = request.headers;
    if (!authorization_.empty()) request.headers.push_back(authorization_);
    http::Response response = client().send(request);
    if (response.status != 401) return response;
    authorize(response);
    request.headers = std::move(headers);
    request.headers.push_back(authorization_);
    response = client().send(request);
    if (response.status == 401)
        throw Error(ExitCode::denied, reference_.text + ": access denied by " + reference_.registry +
                                          (credentials() ? " (the credentials for it were refused)"
                                                         : " (it needs credentials: --docker-login, --authfile, "
                                                           "HPC_DOCKER_USERNAME and HPC_DOCKER_PASSWORD)"));
    return response;
}

void RegistrySession::authorize(const http::Response& unauthorized) {
    const std::string* header = unauthorized.header("www-authenticate");
    if (!header)
        throw Error(ExitCode::denied, reference_.text + ": " + reference_.registry +
                                          " refused the request (401) without saying how to authenticate");
    std::vector<http::Challenge> challenges = http::parse_www_authenticate(*header);
    for (const http::Challenge& challenge : challenges)
        if (challenge.scheme == "bearer") return fetch_token(challenge);
    for (const http::Challenge& challenge : challenges) {
        if (challenge.scheme != "basic") continue;
        if (!credentials())
            throw Error(ExitCode::denied, reference_.text + ": " + reference_.registry +
                                              " needs credentials (--docker-login, --authfile, HPC_DOCKER_USERNAME "
                                              "and HPC_DOCKER_PASSWORD)");
        authorization_ = basic_authorization(*credentials());
        return;
    }
    throw Error(ExitCode::denied, reference_.text + ": " + reference_.registry + " asks for an authentication (" +
                                      printable(header->substr(0, 100)) + ") hpc does not speak");
}

// The distribution spec's token flow: GET REALM?service=SERVICE&scope=SCOPE, with the user's
// credentials as basic authentication when there are any, answers {"token": ...} (or OAuth's
// "access_token").
void RegistrySession::fetch_token(const http::Challenge& challenge) {
    const std::string* realm = challenge.param("realm");
    if (!realm || realm->empty())
        throw Error(ExitCode::denied, reference_.text + ": " + reference_.registry + "'s token challenge has no realm");
    std::string url = *realm + (realm->find('?') == std::string::npos ? "?" : "&");
    if (const std::string* service = challenge.param("service"))
        url += "service=" + http::escape_query_value(*service) + "&";
    url += "scope=" + http::escape_query_value(scope_of(reference_, mode_));

    http::Request request;
    request.url = url;
    request.max_body = 1u << 20;
    if (credentials()) request.headers.push_back(basic_authorization(*credentials()));
    http::Response response = client().send(request);
    if (response.status == 401 || response.status == 403)
        throw Error(ExitCode::denied, reference_.text + ": " + (credentials() ? "the credentials for " : "") +
                                          reference_.registry + (credentials() ? " were refused" : " refused a token") +
                                          " (" + std::to_string(response.status) + " from " + printable(*realm) + ")");
    if (response.status / 100 != 2) fail_status(reference_, response, "token from " + printable(*realm));
    nlohmann::json document = nlohmann::json::parse(response.body, nullptr, false);
    std::string token;
    for (const char* key : {"token", "access_token"})
        if (document.is_object() && document.contains(key) && document[key].is_string()) {
            token = document[key].get<std::string>();
            if (!token.empty()) break;
        }
    // The token goes into a header line: nothing that would end or split it.
    if (token.empty() || token.find_first_of("\r\n") != std::string::npos)
        throw Error(ExitCode::data, reference_.text + ": the token from " + printable(*realm) + " is not a token");
    authorization_ = "Authorization: Bearer " + token;
}

namespace {

// What a status means where the registry's body says nothing (a HEAD's answer has no body).
std::string status_text(long status) {
    switch (status) {
        case 401: return "authentication required (HTTP 401)";
        case 403: return "access denied (HTTP 403)";
        case 404: return "not found (HTTP 404)";
        case 429: return "too many requests (HTTP 429)";
        default: return "HTTP " + std::to_string(status);
    }
}

}  // namespace

void fail_status(const RegistryReference& reference, const http::Response& response, const std::string& what) {
    std::string said = registry_message(response.body);
    std::string cause = what + ": " + (said.empty() ? status_text(response.status) : said);
    std::string message = reference.text + ": " + cause;
    long status = response.status;
    if (status == 404) throw Error(ExitCode::no_input, message);
    if (status == 401 || status == 403) throw Error(ExitCode::denied, message);
    if (status == 429 || status / 100 == 5) throw Error(ExitCode::unavailable, message);
    throw Error(ExitCode::data, message);
}

}  // namespace hpc::image::registry
