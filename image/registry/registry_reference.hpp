// An image in a registry as the user names it: `docker://alpine:3.20`, `oras://ghcr.io/lab/app@sha256:...`,
// or a definition's `Bootstrap: docker` header. Parsing is pure (no I/O) and strict: what it
// returns names one repository of one registry, in the canonical form Docker gives it, so that
// the cache, the credentials and the site policy all see the same name for the same image.
// resolve_endpoint then says where to connect, after the site's mirrors, allow and deny.
#pragma once

#include "site-config/site_config.hpp"
#include "site-config/site_config_file.hpp"

#include <string>
#include <string_view>

namespace hpc::image::registry {

enum class Scheme { docker, oras };

struct RegistryReference {
    Scheme scheme = Scheme::docker;
    std::string
        registry;  // "docker.io", "ghcr.io", "127.0.0.1:5000", "localhost:5000" (lower-case host, optional port)
    std::string repository;  // "library/alpine", "lab/app" (docker.io single names get "library/")
    std::string tag;         // "latest" when neither tag nor digest was given; "" when only a digest was
    std::string digest;      // "sha256:HEX" (or "sha512:HEX") when given, checked by oci::is_valid_digest
    std::string text;        // as the user wrote it, for messages

    // "docker.io/library/alpine:latest", "ghcr.io/lab/app@sha256:...", "name:tag@digest" when both.
    std::string name() const;

    bool operator==(const RegistryReference&) const = default;
};

// Whether `source` starts with "docker://" or "oras://".
bool is_registry_source(std::string_view source);

// docker://[REGISTRY/]REPOSITORY[:TAG][@DIGEST] or oras://REGISTRY/REPOSITORY[:TAG][@DIGEST], read by
// the distribution reference grammar (github.com/distribution/reference, reference.go): the first
// component is a registry when it holds '.' or ':', is "localhost" or has an upper-case letter;
// the registry is HOST[:PORT] (common/host_port); repository components are [a-z0-9]+ joined by
// '.', '_', '__' or runs of '-'; a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; the name, registry
// and repository, is at most 255 characters. Docker Hub's short names are Docker's: "alpine" is
// docker.io/library/alpine:latest, and "index.docker.io" and "registry-1.docker.io" are
// "docker.io". oras:// needs an explicit registry. Throws hpc::Error(usage) "<source>: <cause>".
RegistryReference parse_registry_source(std::string_view source);

// A definition's `Bootstrap: docker` (or oras) header: From: (a reference without scheme),
// Registry: and Namespace: (either may be ""), as Apptainer reads them
// (internal/pkg/build/sources/conveyorPacker_oci.go): REGISTRY/NAMESPACE/FROM, each part only
// when given, then parsed as above; with neither, "library" is Docker Hub's default namespace.
// `agent` is "docker" or "oras" in any case. Throws hpc::Error(usage) as parse_registry_source.
RegistryReference parse_bootstrap_reference(std::string_view agent, std::string_view from, std::string_view registry,
                                            std::string_view namespace_);

// The file `pull` writes without DEST, Apptainer's name for it (uri.GetName in
// internal/pkg/util/uri/uri.go): the repository's last component, '_' and the tag, ".sif":
// "python_3.12.sif" for docker://python:3.12. Apptainer splits the last component at its ':'s
// without knowing digests; its names for those are kept, so that scripts find the same files:
// "alpine@sha256_HEX.sif" for alpine@sha256:HEX, "alpine_3.20@sha256.sif" for alpine:3.20@sha256:HEX.
std::string default_pull_name(const RegistryReference& reference);

// Where to connect for a reference: the registry's API host after the site's mirror, and
// Docker Hub's API name ("docker.io" -> "registry-1.docker.io").
struct Endpoint {
    std::string host;  // HOST[:PORT] to contact
    bool mirrored = false;

    bool operator==(const Endpoint&) const = default;
};

// The endpoint for `reference` under the site's [oci] policy. The registry the reference names
// (not its mirror) is judged: deny first, then allow when it is not empty. Registry names in the
// policy are compared canonical ("index.docker.io" is "docker.io"). Throws hpc::Error(denied)
// "<source>: registry <registry> is not allowed by the site ([oci] deny in <config_path>)".
Endpoint resolve_endpoint(const RegistryReference& reference, const site::OciPolicy& policy,
                          const std::string& config_path = site::site_config_path());

// A registry's name as references hold it: lower case, Docker Hub's aliases as "docker.io".
std::string canonical_registry(std::string_view registry);

}  // namespace hpc::image::registry
