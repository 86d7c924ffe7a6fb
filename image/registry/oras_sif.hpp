// `oras://`: a SIF as an OCI artifact, stored as Apptainer stores it (and the ORAS tools read
// it): a manifest whose config is the empty JSON object of type
// application/vnd.sylabs.sif.config.v1+json and whose one layer is the SIF file itself, of type
// application/vnd.sylabs.sif.layer.v1.sif, titled with its file name. Either tool pulls what the
// other pushed.
#pragma once

#include "common/unique_fd.hpp"
#include "image/cache/image_cache.hpp"
#include "image/registry/registry_access.hpp"
#include "image/registry/registry_reference.hpp"

#include <cstdint>
#include <string>

namespace hpc::image::registry {

// The SIF of `size` bytes in `fd` (an opened, checked image) pushed as `reference`'s tag; the
// blobs the repository has already are not sent again. `title` is the file's name. Returns the
// manifest's digest.
std::string push_sif(const RegistryReference& reference, const RegistryAccess& access, int fd, uint64_t size,
                     const std::string& title);

struct PulledSif {
    std::string path;    // the SIF in the cache (a blob by its digest)
    std::string digest;  // its digest
};

// The SIF `reference` names, fetched into the cache unless it is there, its digest checked.
// Throws hpc::Error(data) for an artifact that holds no SIF layer.
PulledSif pull_sif(const RegistryReference& reference, const RegistryAccess& access, cache::ImageCache& cache);

}  // namespace hpc::image::registry
