// The site's [oci] policy applied to one reference: whether it may be pulled at all, and the
// host hpc contacts for it.
#include "image/registry/registry_reference.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"

#include <algorithm>

namespace hpc::image::registry {
namespace {

// Docker Hub is named docker.io in references and served at this host (Docker's
// DefaultRegistryHost); a mirror replaces it like any other registry's host.
constexpr std::string_view docker_hub_api_host = "registry-1.docker.io";

bool lists(const std::vector<std::string>& registries, const std::string& registry) {
    return std::any_of(registries.begin(), registries.end(),
                       [&](const std::string& entry) { return canonical_registry(entry) == registry; });
}

[[noreturn]] void refuse(const RegistryReference& reference, std::string_view key, const std::string& config_path) {
    std::string source = reference.text.empty() ? reference.name() : reference.text;
    throw Error(ExitCode::denied, printable(source) + ": registry " + reference.registry +
                                      " is not allowed by the site ([oci] " + std::string(key) + " in " + config_path +
                                      ")");
}

}  // namespace

Endpoint resolve_endpoint(const RegistryReference& reference, const site::OciPolicy& policy,
                          const std::string& config_path) {
    if (lists(policy.deny, reference.registry)) refuse(reference, "deny", config_path);
    if (!policy.allow.empty() && !lists(policy.allow, reference.registry)) refuse(reference, "allow", config_path);
    for (const auto& [registry, mirror] : policy.mirrors)
        if (canonical_registry(registry) == reference.registry) return Endpoint{mirror, true};
    if (reference.registry == "docker.io") return Endpoint{std::string(docker_hub_api_host), false};
    return Endpoint{reference.registry, false};
}

}  // namespace hpc::image::registry
