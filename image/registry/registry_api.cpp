#include "image/registry/registry_api.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "image/oci/blob_digest.hpp"
#include "image/oci/digest_text.hpp"
#include "image/oci/json_document.hpp"
#include "image/oci/media_types.hpp"

#include <charconv>

namespace hpc::image::registry {
namespace {

// The manifest types hpc reads, in the Accept header of every manifest request: without it a
// registry may answer a multi-platform tag with Docker's old schema 1.
const std::string accept_manifests =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

std::string manifest_path(std::string_view tag_or_digest) { return "/manifests/" + std::string(tag_or_digest); }

std::string media_type_of(const http::Response& response) {
    const std::string* type = response.header("content-type");
    if (!type) return "";
    return std::string(type->substr(0, type->find(';')));  // "application/json; charset=utf-8"
}

void check_success(RegistrySession& session, const http::Response& response, const std::string& what) {
    if (response.status / 100 != 2) fail_status(session.reference(), response, what);
}

oci::Descriptor descriptor_of_body(RegistrySession& session, std::string_view tag_or_digest) {
    http::Request request;
    request.url = session.url(manifest_path(tag_or_digest));
    request.headers = {accept_manifests};
    request.max_body = oci::max_json_bytes;
    http::Response response = session.send(request);
    check_success(session, response, "manifest " + printable(tag_or_digest));
    return {media_type_of(response), oci::digest_of(response.body), response.body.size()};
}

}  // namespace

oci::Descriptor resolve_manifest(RegistrySession& session, std::string_view tag_or_digest) {
    http::Request request;
    request.method = "HEAD";
    request.url = session.url(manifest_path(tag_or_digest));
    request.headers = {accept_manifests};
    http::Response response = session.send(request);
    std::string what = "manifest " + printable(tag_or_digest);
    check_success(session, response, what);
    const std::string* digest = response.header("docker-content-digest");
    const std::string* length = response.header("content-length");
    uint64_t size = 0;
    bool sized = length && std::from_chars(length->data(), length->data() + length->size(), size).ec == std::errc{};
    if (!digest || !sized) return descriptor_of_body(session, tag_or_digest);
    if (!oci::is_valid_digest(*digest))
        throw Error(ExitCode::data, session.reference().text + ": " + what + ": the registry's digest " +
                                        quoted_printable(*digest) + " is not one");
    if (oci::is_valid_digest(tag_or_digest) && *digest != tag_or_digest)
        throw Error(ExitCode::data, session.reference().text + ": " + what + ": the registry answers for " + *digest);
    if (size > oci::max_json_bytes)
        throw Error(ExitCode::data, session.reference().text + ": " + what + ": " + std::to_string(size) +
                                        " bytes, more than a manifest may have");
    return {media_type_of(response), *digest, size};
}

void fetch_manifest(RegistrySession& session, const oci::Descriptor& descriptor, const BodySink& sink) {
    http::Request request;
    request.url = session.url(manifest_path(descriptor.digest));
    request.headers = {accept_manifests};
    request.sink = sink;
    http::Response response = session.send(request);
    check_success(session, response, "manifest " + oci::short_digest(descriptor.digest));
}

void fetch_blob(RegistrySession& session, const oci::Descriptor& descriptor, const BodySink& sink) {
    http::Request request;
    request.url = session.url("/blobs/" + descriptor.digest);
    request.sink = sink;
    http::Response response = session.send(request);
    check_success(session, response, "blob " + oci::short_digest(descriptor.digest));
}

bool has_blob(RegistrySession& session, const oci::Descriptor& descriptor) {
    http::Request request;
    request.method = "HEAD";
    request.url = session.url("/blobs/" + descriptor.digest);
    http::Response response = session.send(request);
    if (response.status == 404) return false;
    check_success(session, response, "blob " + oci::short_digest(descriptor.digest));
    return true;
}

namespace {

// POST /blobs/uploads/ answers 202 with the upload's Location, relative to the registry or whole.
std::string open_upload(RegistrySession& session, const oci::Descriptor& descriptor) {
    http::Request request;
    request.method = "POST";
    request.url = session.url("/blobs/uploads/");
    http::Response response = session.send(request);
    std::string what = "upload of blob " + oci::short_digest(descriptor.digest);
    check_success(session, response, what);
    const std::string* location = response.header("location");
    if (!location || location->empty())
        throw Error(ExitCode::data, session.reference().text + ": " + what + ": the registry gave no Location");
    if (location->starts_with("/")) return session.origin() + *location;
    return *location;
}

void finish_upload(RegistrySession& session, const oci::Descriptor& descriptor, http::Request request) {
    request.url = open_upload(session, descriptor);
    request.url += (request.url.find('?') == std::string::npos ? "?" : "&");
    request.url += "digest=" + http::escape_query_value(descriptor.digest);
    request.method = "PUT";
    request.headers.push_back("Content-Type: application/octet-stream");
    http::Response response = session.send(request);
    check_success(session, response, "upload of blob " + oci::short_digest(descriptor.digest));
}

}  // namespace

void upload_blob(RegistrySession& session, const oci::Descriptor& descriptor, int fd, uint64_t offset) {
    http::Request request;
    request.body_fd = fd;
    request.body_offset = offset;
    request.body_size = descriptor.size;
    finish_upload(session, descriptor, std::move(request));
}

void upload_blob(RegistrySession& session, const oci::Descriptor& descriptor, const std::string& bytes) {
    http::Request request;
    request.body = bytes;
    finish_upload(session, descriptor, std::move(request));
}

void put_manifest(RegistrySession& session, const std::string& tag, std::string_view media_type,
                  const std::string& bytes) {
    http::Request request;
    request.method = "PUT";
    request.url = session.url(manifest_path(tag));
    request.headers = {"Content-Type: " + std::string(media_type)};
    request.body = bytes;
    http::Response response = session.send(request);
    check_success(session, response, "manifest " + printable(tag));
}

}  // namespace hpc::image::registry
