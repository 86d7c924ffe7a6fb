#include "image/registry/registry_source.hpp"

#include "common/error.hpp"
#include "image/oci/blob_store.hpp"
#include "image/oci/checked_blob_stream.hpp"
#include "image/oci/image_index.hpp"
#include "image/oci/media_types.hpp"
#include "image/registry/registry_api.hpp"
#include "image/tar/byte_reader.hpp"

#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>

namespace hpc::image::registry {

// The registry's blobs as a BlobStore, the cache in front of it. The session (and libcurl with
// it) is made at the first fetch: an image the cache holds whole is read without it.
class RegistrySource::Store final : public oci::BlobStore {
public:
    Store(const RegistryReference& reference, const RegistryAccess& access, cache::ImageCache& cache)
        : reference_(reference), access_(access), cache_(cache) {}

    const std::string& where() const override { return reference_.text; }

    std::unique_ptr<oci::BlobStream> open_blob(const oci::Descriptor& descriptor) override {
        UniqueFd fd = cached(descriptor);
        return std::make_unique<oci::CheckedBlobStream>(std::make_unique<tar::FileReader>(std::move(fd)), descriptor,
                                                        reference_.text + " (cache " + cache_.root() + ")");
    }

    RegistrySession& session() {
        if (!session_) session_.emplace(reference_, access_, Access::pull);
        return *session_;
    }

    // The blob from the cache, fetched into it first if need be. A transfer that breaks after
    // some of the blob came (which the HTTP client does not try again: the bytes are gone to the
    // cache's temporary) is begun again from the start, as many times as a request is tried.
    UniqueFd cached(const oci::Descriptor& descriptor) {
        for (int attempt = 1;; ++attempt) {
            bool received = false;
            try {
                return cache_.ensure_blob(descriptor, [&](cache::BlobWriter& writer) {
                    fetch(descriptor, writer, received);
                });
            } catch (const Error& error) {
                if (!received || error.code() != ExitCode::unavailable || attempt >= access_.attempts) throw;
                if (access_.notice)
                    access_.notice(std::string(error.what()) + "; fetching " + oci::short_digest(descriptor.digest) +
                                   " again");
            }
        }
    }

private:
    void fetch(const oci::Descriptor& descriptor, cache::BlobWriter& writer, bool& received) {
        if (access_.notice && descriptor.size > (1u << 20)) {
            char size[32];
            std::snprintf(size, sizeof size, "%.1f MiB", static_cast<double>(descriptor.size) / (1024.0 * 1024.0));
            access_.notice("fetching " + oci::short_digest(descriptor.digest) + " (" + size + ")");
        }
        auto sink = [&](const char* data, std::size_t size) {
            received = true;
            writer.write(data, size);
        };
        // Manifests and indexes are served under /manifests/, everything else under /blobs/.
        if (oci::document_kind(descriptor.media_type))
            fetch_manifest(session(), descriptor, sink);
        else
            fetch_blob(session(), descriptor, sink);
    }

    const RegistryReference& reference_;
    const RegistryAccess& access_;
    cache::ImageCache& cache_;
    std::optional<RegistrySession> session_;
};

RegistrySource::RegistrySource(RegistryReference reference, const RegistryAccess& access, cache::ImageCache& cache)
    : reference_(std::move(reference)), access_(access), cache_(cache) {
    store_ = std::make_unique<Store>(reference_, access, cache_);
}

RegistrySource::~RegistrySource() = default;

oci::Descriptor RegistrySource::resolve() {
    return resolve_manifest(store_->session(), reference_.digest.empty() ? reference_.tag : reference_.digest);
}

oci::Image RegistrySource::read_image_at(const oci::Descriptor& top, const std::string& architecture) {
    oci::Image image;
    try {
        image = oci::read_image_at(*store_, top, architecture);
    } catch (const Error& error) {
        // A SIF pushed as an ORAS artifact has a config of Sylabs' type, which no image has.
        if (std::string_view(error.what()).find("vnd.sylabs.sif") == std::string_view::npos) throw;
        throw Error(error.code(), std::string(error.what()) + ": a SIF, pushed with oras: pull or run it as oras://");
    }
    cache_.record_tag(reference_.name(), architecture, image.manifest_digest);
    return image;
}

oci::Image RegistrySource::read_image(const std::string& architecture) {
    return read_image_at(pinned_ ? *pinned_ : resolve(), architecture);
}

void RegistrySource::fetch_layers(const std::vector<oci::Layer>& layers, unsigned connections) {
    std::atomic<std::size_t> next{0};
    std::mutex failure_mutex;
    std::exception_ptr failure;
    auto failed = [&] {
        std::lock_guard<std::mutex> hold(failure_mutex);
        return failure != nullptr;
    };
    // Each worker a store of its own: its own session, so its own connection (and token).
    auto work = [&] {
        Store store(reference_, access_, cache_);
        for (std::size_t index; !failed() && (index = next++) < layers.size();) {
            try {
                store.cached(layers[index].descriptor);
            } catch (...) {
                std::lock_guard<std::mutex> hold(failure_mutex);
                if (!failure) failure = std::current_exception();
            }
        }
    };
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < connections && i < layers.size(); ++i) workers.emplace_back(work);
    work();
    for (std::thread& worker : workers) worker.join();
    if (failure) std::rethrow_exception(failure);
}

std::unique_ptr<oci::BlobStream> RegistrySource::open_layer(const oci::Layer& layer) {
    return store_->open_blob(layer.descriptor);
}

}  // namespace hpc::image::registry
