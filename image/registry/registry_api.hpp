// The distribution spec's endpoints hpc uses, over a RegistrySession: a manifest resolved
// (HEAD) and fetched, a blob fetched, checked for and uploaded, a manifest put. Every
// answer that is not a success is an hpc::Error as fail_status says.
#pragma once

#include "image/oci/oci_image.hpp"
#include "image/registry/registry_session.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hpc::image::registry {

// Where a fetched body goes, piece by piece.
using BodySink = std::function<void(const char* data, std::size_t size)>;

// What a tag or digest names, by HEAD: its media type, digest and size, as the registry's
// headers say (a registry that sends no Docker-Content-Digest is asked with a GET, and the
// digest of what it sends is taken). One request, which Docker Hub counts against no pull limit.
oci::Descriptor resolve_manifest(RegistrySession& session, std::string_view tag_or_digest);
// The manifest or index `descriptor` names (by digest), at most oci::max_json_bytes, into `sink`.
void fetch_manifest(RegistrySession& session, const oci::Descriptor& descriptor, const BodySink& sink);
// The blob `descriptor` names into `sink`, following the registry's redirect to its storage.
void fetch_blob(RegistrySession& session, const oci::Descriptor& descriptor, const BodySink& sink);

// Whether the repository has the blob already (HEAD): a push sends only what is missing.
bool has_blob(RegistrySession& session, const oci::Descriptor& descriptor);
// `size` bytes of `fd` from `offset` as the blob `descriptor` names: a POST opens the upload,
// one PUT with ?digest= ends it (the spec's monolithic upload).
void upload_blob(RegistrySession& session, const oci::Descriptor& descriptor, int fd, uint64_t offset);
void upload_blob(RegistrySession& session, const oci::Descriptor& descriptor, const std::string& bytes);
// The manifest `bytes` of `media_type` under `tag`.
void put_manifest(RegistrySession& session, const std::string& tag, std::string_view media_type,
                  const std::string& bytes);

}  // namespace hpc::image::registry
