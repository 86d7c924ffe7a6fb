// Who hpc says it is to a registry: the user name and password (or token) for one registry,
// found where Apptainer and Docker users keep them. Reading only: logging in (writing a file)
// is cmd/'s, and the HTTP exchange that uses them is the registry client's.
//
// Docker's "credsStore" and "credHelpers" (external programs such as docker-credential-pass
// that hold the secrets) are not run: hpc runs no program a config file names. An entry whose
// credentials live in a helper has no "auth" and is passed over, so the search goes on (to
// ~/.apptainer/docker-config.json, then anonymous); such users give --docker-login, the
// environment's pair or an --authfile instead (a note for the user's guide).
#pragma once

#include "image/registry/base64.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hpc::image::registry {

struct Credentials {
    std::string username, password;
    // Where they came from, for messages ("credentials from /home/me/.docker/config.json were
    // refused"): "--docker-login", the variable's name ("HPC_DOCKER_USERNAME"), or a file's path.
    std::string source;

    bool operator==(const Credentials&) const = default;
};

struct CredentialOptions {
    std::string authfile;              // --authfile: a file in Docker's config.json format; "": the default places
    std::optional<Credentials> given;  // from --docker-login's prompt (cmd/ asks)
};

// A config.json is a few entries; the bound keeps a hostile or mistaken file out of memory.
constexpr std::size_t max_credentials_file_bytes = 1 << 20;

// The credentials for `registry` (a reference's registry: "docker.io", "127.0.0.1:5000"), the
// first found of:
//   1. options.given;
//   2. the environment's HPC_DOCKER_USERNAME and HPC_DOCKER_PASSWORD, then APPTAINER_DOCKER_*,
//      then SINGULARITY_DOCKER_* (a pair only when both are set and not empty);
//   3. options.authfile when given (and nothing else: missing or unreadable is an Error naming
//      it, no_input or denied as its errno says); else $DOCKER_CONFIG/config.json (DOCKER_CONFIG
//      set) or ~/.docker/config.json, then ~/.apptainer/docker-config.json (Apptainer's
//      `registry login` file); a default file that does not exist is passed over.
// In a file's "auths" map the registry is matched as Docker's GetAuthConfig does: the key
// exactly, then any key whose host (after "https://" or "http://", before the first '/') is
// the registry, so "https://host/v2/" serves host; for docker.io "https://index.docker.io/v1/"
// first, and "docker.io", "index.docker.io" and "registry-1.docker.io" as its hosts. An entry's
// "auth" is base64("user:password"), split at the first ':', else its "username" and "password".
// A file that is not JSON, or an entry that is malformed, is Error(config) naming the file and
// the key. `home` is the user's home directory ("": no default files under it). nullopt: none
// found, pull anonymously.
std::optional<Credentials> find_credentials(const std::string& registry, const std::vector<std::string>& environ,
                                            const std::string& home, const CredentialOptions& options);

}  // namespace hpc::image::registry
