// Apptainer's uri.GetName (internal/pkg/util/uri/uri.go) takes the text after the last '/',
// splits it at ':', and writes NAME_TAG.sif with the first ':'-field after the name as the tag,
// "latest" when there is none. On a digest that gives "alpine@sha256_HEX.sif" and
// "alpine_3.20@sha256.sif"; those names are what Apptainer users' scripts expect, so they are kept.
#include "image/registry/registry_reference.hpp"

namespace hpc::image::registry {

std::string default_pull_name(const RegistryReference& reference) {
    std::string name = reference.repository.substr(reference.repository.rfind('/') + 1);
    if (reference.digest.empty()) return name + "_" + reference.tag + ".sif";
    size_t colon = reference.digest.find(':');
    std::string algorithm = reference.digest.substr(0, colon);
    if (reference.tag.empty()) return name + "@" + algorithm + "_" + reference.digest.substr(colon + 1) + ".sif";
    return name + "_" + reference.tag + "@" + algorithm + ".sif";
}

}  // namespace hpc::image::registry
