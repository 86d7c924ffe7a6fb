// Registry images in builds and launches: a `docker://` image as an OCI source, written like a
// layout's (its blobs through the cache), and the SIF a `docker://` or `oras://` reference runs
// as, kept in the cache by the digest of the image's manifest so that every later run, job and
// node sharing the cache starts it at once.
#pragma once

#include "builder/oci_image.hpp"
#include "image/registry/registry_access.hpp"
#include "image/registry/registry_reference.hpp"

#include <functional>
#include <string>

namespace hpc::builder {

struct RegistrySettings {
    image::registry::RegistryAccess access;
    std::string cache_root;           // image/cache's cache_root: $HPC_CACHEDIR, ..., ~/.cache/hpc
    bool disable_cache = false;       // --disable-cache: blobs into a work area of their own, gone after
    std::string temporary_directory;  // where that work area goes ("": $TMPDIR, else /tmp)
};

// `docker://REFERENCE` for write_oci_image and Bootstrap: docker.
OciImageSource registry_oci_source(const image::registry::RegistryReference& reference,
                                   const RegistrySettings& settings, const std::string& architecture);

struct RegistrySifHooks {
    std::function<void(const std::string&)> notice;
    std::function<void(const std::string&)> warn;
};

enum class TagCheck {
    always,  // pull: a tag is resolved by the registry every time
    recent,  // exec, run, shell, inspect: a tag resolved less than [oci] tag_check_seconds ago is not asked again
};

// The path of the SIF in the cache that `reference` (docker:// or oras://) is for `architecture`
// ("" this machine's): the cached one when the registry (or a recent record, as `check` allows)
// names the same manifest, else fetched (oras) or built (docker) into the cache first. When the
// registry cannot be reached, a SIF the tag named before is used, with a warning. Throws
// hpc::Error as image/registry and write_oci_image do. Not for --disable-cache.
std::string cached_registry_sif(const image::registry::RegistryReference& reference, const RegistrySettings& settings,
                                const std::string& architecture, TagCheck check, const RegistrySifHooks& hooks);

}  // namespace hpc::builder
