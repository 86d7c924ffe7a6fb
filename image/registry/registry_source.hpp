// `docker://` images as an oci::ImageSource: the tag or digest resolved, then every document
// and layer read from the cache, each fetched into it the first time it is wanted, under the
// cache's lock for its digest (so that the jobs of an array fetch it once between them), and
// checked again against its digest as it is read.
#pragma once

#include "image/cache/image_cache.hpp"
#include "image/oci/oci_image.hpp"
#include "image/registry/registry_access.hpp"
#include "image/registry/registry_reference.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hpc::image::registry {

class RegistrySource final : public oci::ImageSource {
public:
    RegistrySource(RegistryReference reference, const RegistryAccess& access, cache::ImageCache& cache);
    ~RegistrySource() override;

    // What the reference names now, asking the registry (one HEAD) unless it is a digest.
    oci::Descriptor resolve();
    // From here on the reference means `top` (what resolve answered before), not asked again.
    void pin(const oci::Descriptor& top) { pinned_ = top; }
    // The image for `architecture`, its documents fetched as needed; the tag's record in the
    // cache is written (the reference and architecture -> the manifest's digest).
    oci::Image read_image(const std::string& architecture) override;
    // Also: the image `top` (what resolve answered, or a record's digest) names, from the cache
    // alone when it holds the documents.
    oci::Image read_image_at(const oci::Descriptor& top, const std::string& architecture);
    std::unique_ptr<oci::BlobStream> open_layer(const oci::Layer& layer) override;
    // The layers fetched into the cache (those it lacks), over at most `connections` at once, as
    // Docker's and containerd's pulls do: one layer's transfer does not wait for another's.
    // Throws the first failure once the transfers under way have ended.
    void fetch_layers(const std::vector<oci::Layer>& layers, unsigned connections);

private:
    class Store;
    std::unique_ptr<Store> store_;
    RegistryReference reference_;
    const RegistryAccess& access_;
    cache::ImageCache& cache_;
    std::optional<oci::Descriptor> pinned_;
};

}  // namespace hpc::image::registry
