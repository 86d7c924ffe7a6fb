// What Docker's CLI does with its config file (docker/cli: cli/config/configfile/file.go,
// GetAuthConfig and decodeAuth; registry's ConvertToHostname), for the "auths" map alone.
#include "image/registry/docker_config.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "image/oci/json_document.hpp"
#include "image/registry/registry_reference.hpp"

#include <algorithm>
#include <vector>

namespace hpc::image::registry {
namespace {

using oci::Json;

// The key `docker login` writes for Docker Hub: its old v1 index's URL.
constexpr std::string_view docker_hub_key = "https://index.docker.io/v1/";

// Better matches first: the key as it is, then a key whose host is the registry's.
enum class Match { none, host, exact };

// ConvertToHostname: a key may be a URL or HOST/PATH; only its host names the registry.
std::string key_host(std::string_view key) {
    for (std::string_view scheme : {"https://", "http://"}) {
        if (key.starts_with(scheme)) {
            key.remove_prefix(scheme.size());
            break;
        }
    }
    return canonical_registry(key.substr(0, key.find('/')));
}

Match match(std::string_view key, const std::string& registry) {
    if (key == registry || (registry == "docker.io" && key == docker_hub_key)) return Match::exact;
    if (key_host(key) == registry) return Match::host;
    return Match::none;
}

struct Entry {
    std::string key;
    const Json* value;
    Match quality;
};

[[noreturn]] void malformed(const std::string& path, const std::string& key, const std::string& cause) {
    throw Error(ExitCode::config, path + ": auths.\"" + printable(key) + "\": " + cause);
}

std::string string_field(const Json& entry, std::string_view name, const std::string& path, const std::string& key) {
    const Json* value = oci::member(entry, name);
    if (!value) return {};
    if (!value->is_string()) malformed(path, key, std::string(name) + " is not a string");
    return value->get<std::string>();
}

// An entry's credentials; nullopt for one with no user name (a credential helper's, or one
// holding only an identity token), which hpc cannot use.
std::optional<Credentials> entry_credentials(const Entry& entry, const std::string& path) {
    if (!entry.value->is_object()) malformed(path, entry.key, "not a JSON object");
    std::string auth = string_field(*entry.value, "auth", path, entry.key);
    if (!auth.empty()) {
        std::optional<std::string> decoded = base64_decode(auth);
        if (!decoded) malformed(path, entry.key, "auth is not base64");
        size_t colon = decoded->find(':');
        if (colon == std::string::npos) malformed(path, entry.key, "auth is not base64 of user:password");
        // decodeAuth trims NULs from the password's ends: some tools wrote them.
        std::string password = decoded->substr(colon + 1);
        password.erase(0, password.find_first_not_of('\0'));
        password.erase(password.find_last_not_of('\0') + 1);
        return Credentials{decoded->substr(0, colon), password, path};
    }
    std::string username = string_field(*entry.value, "username", path, entry.key);
    if (username.empty()) return std::nullopt;
    return Credentials{username, string_field(*entry.value, "password", path, entry.key), path};
}

Json parse_config(std::string_view json, const std::string& path) {
    try {
        return oci::parse_json_object(json, path);
    } catch (const Error& error) {
        // The same words as an image's document, but the mistake is the user's configuration.
        throw Error(ExitCode::config, error.what());
    }
}

}  // namespace

std::optional<Credentials> credentials_in_docker_config(std::string_view json, const std::string& path,
                                                        const std::string& registry) {
    Json document = parse_config(json, path);
    const Json* auths = oci::member(document, "auths");
    if (!auths) return std::nullopt;
    if (!auths->is_object()) throw Error(ExitCode::config, path + ": auths is not a JSON object");
    std::string wanted = canonical_registry(registry);
    std::vector<Entry> entries;
    for (const auto& [key, value] : auths->items())
        if (Match quality = match(key, wanted); quality != Match::none) entries.push_back({key, &value, quality});
    // Exact keys first; among equals, the map's order (nlohmann keeps keys sorted), so that the
    // answer does not depend on how the file was written.
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.quality > b.quality; });
    for (const Entry& entry : entries)
        if (auto credentials = entry_credentials(entry, path)) return credentials;
    return std::nullopt;
}

}  // namespace hpc::image::registry
