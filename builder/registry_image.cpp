#include "builder/registry_image.hpp"

#include "builder/build_output.hpp"
#include "builder/work_area.hpp"
#include "common/error.hpp"
#include "image/cache/image_cache.hpp"
#include "image/registry/oras_sif.hpp"
#include "image/registry/registry_source.hpp"
#include "image/sif/sif.hpp"

#include <memory>
#include <optional>

namespace hpc::builder {
namespace {

using image::registry::RegistryReference;
using image::registry::RegistrySource;

// Layers fetched at once, as Docker's default (max-concurrent-downloads 3).
constexpr unsigned max_connections = 3;

// The cache a registry image goes through: the user's, or with --disable-cache one in a work
// area of its own that goes with it.
class BuildCache {
public:
    explicit BuildCache(const RegistrySettings& settings) {
        if (settings.disable_cache) {
            area_.emplace(settings.temporary_directory);
            cache_.emplace(image::cache::ImageCache::open(area_->directory("cache")));
        } else {
            cache_.emplace(image::cache::ImageCache::open(settings.cache_root));
        }
    }
    image::cache::ImageCache& cache() { return *cache_; }

private:
    std::optional<WorkArea> area_;  // declared first: it goes after the cache that lies in it
    std::optional<image::cache::ImageCache> cache_;
};

// A RegistrySource with the cache it reads through, as write_oci_image takes it: owned.
class CachedRegistrySource final : public image::oci::ImageSource {
public:
    CachedRegistrySource(const RegistryReference& reference, const RegistrySettings& settings,
                         const std::optional<image::oci::Descriptor>& top)
        : cache_(settings), source_(reference, settings.access, cache_.cache()) {
        if (top) source_.pin(*top);
    }
    image::oci::Image read_image(const std::string& architecture) override { return source_.read_image(architecture); }
    std::unique_ptr<image::oci::BlobStream> open_layer(const image::oci::Layer& layer) override {
        return source_.open_layer(layer);
    }

private:
    BuildCache cache_;
    RegistrySource source_;
};

OciImageSource source_of(const RegistryReference& reference, const RegistrySettings& settings,
                         const std::string& architecture, const std::optional<image::oci::Descriptor>& top) {
    return {reference.text, reference.text,
            [reference, &settings, top] { return std::make_unique<CachedRegistrySource>(reference, settings, top); },
            architecture, false};
}

std::string wanted_architecture(const std::string& architecture) {
    return architecture.empty() ? host_oci_architecture() : architecture;
}

// The SIF of a docker:// image's manifest, built into the cache unless it is there.
std::string docker_sif(const RegistryReference& reference, const RegistrySettings& settings,
                       image::cache::ImageCache& cache, const image::oci::Descriptor& top,
                       const std::string& architecture, const RegistrySifHooks& hooks) {
    RegistrySource source(reference, settings.access, cache);
    image::oci::Image image = source.read_image_at(top, architecture);
    if (auto cached = cache.find_sif(image.manifest_digest)) {
        cache.touch(*cached);
        return *cached;
    }
    // Every layer fetched before the build's work area is made: a pull killed while it
    // downloads (most of its time) leaves only temporaries the cache knows to remove.
    source.fetch_layers(image.layers, max_connections);
    return cache.ensure_sif(image.manifest_digest, [&](int fd) {
        if (hooks.notice) hooks.notice("building the SIF of " + reference.text + " in " + cache.root());
        WorkArea area(settings.temporary_directory);
        OciImageSource oci = source_of(reference, settings, architecture, top);
        PackOptions options;
        write_sif([&](int out, uint64_t offset, const image::SquashfsWriteOptions& squashfs) {
            WrittenOciImage written = write_oci_image(oci, area.path(), out, offset, squashfs, {hooks.notice, hooks.warn});
            return ProducedSquashfs{written.written,
                                    written.architecture.empty() ? "" : image::sif_arch_code(written.architecture)};
        }, fd, options);
    });
}

// What the reference named before, and the SIF that is for it, from the cache's record.
std::optional<std::string> recorded_sif(image::cache::ImageCache& cache, const RegistryReference& reference,
                                        const std::string& architecture, std::optional<int64_t> max_age) {
    bool oras = reference.scheme == image::registry::Scheme::oras;
    auto record = cache.find_tag(reference.name(), oras ? "sif" : architecture);
    if (!record || (max_age && record->age_seconds >= *max_age)) return std::nullopt;
    return oras ? cache.find_blob(record->digest) : cache.find_sif(record->digest);
}

}  // namespace

OciImageSource registry_oci_source(const RegistryReference& reference, const RegistrySettings& settings,
                                   const std::string& architecture) {
    return source_of(reference, settings, architecture, std::nullopt);
}

std::string cached_registry_sif(const RegistryReference& reference, const RegistrySettings& settings,
                                const std::string& architecture, TagCheck check, const RegistrySifHooks& hooks) {
    std::string arch = wanted_architecture(architecture);
    image::cache::ImageCache cache = image::cache::ImageCache::open(settings.cache_root);
    // A digest names one thing for ever; a tag, for as long as the site lets a record stand.
    bool immutable = !reference.digest.empty();
    if (immutable || check == TagCheck::recent) {
        std::optional<int64_t> max_age;
        if (!immutable) max_age = settings.access.policy.tag_check_seconds;
        if (auto sif = recorded_sif(cache, reference, arch, max_age)) {
            cache.touch(*sif);
            return *sif;
        }
    }
    // A run with an image to fall back on asks once: a registry that is down costs no back-off.
    RegistrySettings asking = settings;
    if (check == TagCheck::recent && recorded_sif(cache, reference, arch, std::nullopt)) asking.access.attempts = 1;
    try {
        if (reference.scheme == image::registry::Scheme::oras)
            return image::registry::pull_sif(reference, asking.access, cache).path;
        RegistrySource source(reference, asking.access, cache);
        return docker_sif(reference, asking, cache, source.resolve(), arch, hooks);
    } catch (const Error& error) {
        // Only a run falls back: a pull asks the registry, and says when it cannot.
        if (error.code() != ExitCode::unavailable || check != TagCheck::recent) throw;
        auto sif = recorded_sif(cache, reference, arch, std::nullopt);
        if (!sif) throw;
        if (hooks.warn) hooks.warn(std::string(error.what()) + "; running the image " + reference.text +
                                   " named when last asked, from the cache");
        return *sif;
    }
}

}  // namespace hpc::builder
