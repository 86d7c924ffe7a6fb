// image/registry/: OCI images and SIFs in registries, through the OCI distribution protocol
// (http/ carries the requests): `docker://` images read blob by blob into the cache
// (image/cache) and walked like a layout's, `oras://` SIFs pushed and pulled as Apptainer and
// the ORAS tools store them.
//
// What every registry operation is given: the site's rules, where credentials come from and how
// to connect, as this user and this command line ask.
#pragma once

#include "image/registry/credentials.hpp"
#include "site-config/site_config.hpp"

#include <functional>
#include <string>
#include <vector>

namespace hpc::image::registry {

struct RegistryAccess {
    site::OciPolicy policy;           // mirrors, registries allowed and denied
    std::string site_config_path;     // named in a refusal
    CredentialOptions credentials;    // --authfile, --docker-login's answer
    std::vector<std::string> environ;  // the process's: credentials' variables, $DOCKER_CONFIG
    std::string home;                  // ~/.docker/config.json
    bool plain_http = false;           // --no-https: http:// to the registry, for one without TLS
    std::string ca_file;               // $SSL_CERT_FILE: the CAs TLS is checked against ("": the system's)
    std::string ca_directory;          // $SSL_CERT_DIR: more of them, as OpenSSL's hashed folder
    int attempts = 4;                  // tries of a request that failed for a reason that may pass
    std::function<void(const std::string&)> notice;  // what is being fetched or sent; may be empty
};

}  // namespace hpc::image::registry
