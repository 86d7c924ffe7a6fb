// SOURCE references of the OCI transports: split at the first ':' after the transport, PATH@DIGEST
// for layouts, NAME:TAG or @N for docker archives, and usage errors for malformed ones.
#include "image/oci/oci_image.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::image::oci::parse_bootstrap;
using hpc::image::oci::parse_source;
using hpc::image::oci::Transport;
using hpc::test::error_message;

namespace {

const std::string hex64(64, 'a');

}  // namespace

TEST_CASE("oci sources are told by their transport prefix", "[oci]") {
    CHECK(hpc::image::oci::is_oci_source("oci:dir"));
    CHECK(hpc::image::oci::is_oci_source("oci-archive:x.tar"));
    CHECK(hpc::image::oci::is_oci_source("docker-archive:x.tar:a:b"));
    CHECK_FALSE(hpc::image::oci::is_oci_source("docker://busybox"));
    CHECK_FALSE(hpc::image::oci::is_oci_source("oci"));
    CHECK_FALSE(hpc::image::oci::is_oci_source("ocidir"));
    CHECK_FALSE(hpc::image::oci::is_oci_source("image.sif"));
    CHECK(hpc::image::oci::is_oci_agent("oci-archive"));
    CHECK_FALSE(hpc::image::oci::is_oci_agent("docker"));
}

TEST_CASE("an oci source splits into path and tag at the first colon", "[oci]") {
    auto plain = parse_source("oci:layout");
    CHECK(plain.transport == Transport::oci_layout);
    CHECK(plain.path == "layout");
    CHECK(plain.tag.empty());
    CHECK(plain.digest.empty());
    CHECK(plain.text == "oci:layout");

    auto tagged = parse_source("oci:/data/layout:v1.0:extra");
    CHECK(tagged.path == "/data/layout");
    CHECK(tagged.tag == "v1.0:extra");

    auto archive = parse_source("oci-archive:image.tar:latest");
    CHECK(archive.transport == Transport::oci_archive);
    CHECK(archive.path == "image.tar");
    CHECK(archive.tag == "latest");
}

TEST_CASE("an oci source names a manifest by digest after an at sign", "[oci]") {
    auto by_digest = parse_source("oci:dir@sha256:" + hex64);
    CHECK(by_digest.path == "dir");
    CHECK(by_digest.digest == "sha256:" + hex64);
    CHECK(by_digest.tag.empty());

    auto archive = parse_source("oci-archive:x.tar@sha512:" + std::string(128, '0'));
    CHECK(archive.path == "x.tar");
    CHECK(archive.digest == "sha512:" + std::string(128, '0'));

    // An '@' of the path itself, with a tag after it.
    auto at_in_path = parse_source("oci:/data/me@host/layout:v1");
    CHECK(at_in_path.path == "/data/me@host/layout");
    CHECK(at_in_path.tag == "v1");
    CHECK(at_in_path.digest.empty());
}

TEST_CASE("a docker-archive source takes NAME:TAG or @N", "[oci]") {
    auto tagged = parse_source("docker-archive:save.tar:busybox:1.36");
    CHECK(tagged.transport == Transport::docker_archive);
    CHECK(tagged.path == "save.tar");
    CHECK(tagged.tag == "busybox:1.36");

    auto indexed = parse_source("docker-archive:save.tar:@1");
    CHECK(indexed.tag == "@1");

    auto bare = parse_source("docker-archive:save.tar");
    CHECK(bare.tag.empty());
}

TEST_CASE("malformed oci sources are usage errors naming the source", "[oci]") {
    CHECK(error_message([] { parse_source("oci:"); }) == "'oci:': no path");
    CHECK(error_message([] { parse_source("oci::tag"); }) == "'oci::tag': no path");
    CHECK(error_message([] { parse_source("oci-archive:x.tar:"); }) ==
          "'oci-archive:x.tar:': nothing after the ':' that ends the path");
    CHECK(error_message([] { parse_source("oci:dir@sha256:abc"); }) ==
          "'oci:dir@sha256:abc': 'sha256:abc' is not sha256:<64 lower-case hex> or sha512:<128>");
    CHECK(error_message([] {
              parse_source("oci:dir@sha256:" + std::string(64, 'A'));
          }).find("is not sha256:<64 lower-case hex>") != std::string::npos);
    CHECK(error_message([] { parse_source("oci:dir@sha256:../../etc"); }).find("is not sha256:") != std::string::npos);
    CHECK(error_message([] { parse_source("docker-archive:x.tar:@one"); }) ==
          "'docker-archive:x.tar:@one': '@one' is neither NAME:TAG nor @N (an image's place in manifest.json)");
    CHECK(error_message([] { parse_source("docker://busybox"); }) ==
          "'docker://busybox': not an oci:, oci-archive: or docker-archive: source");
}

TEST_CASE("a definition's Bootstrap and From make the same reference", "[oci]") {
    auto reference = parse_bootstrap("oci-archive", "  image.tar:v2 ");
    CHECK(reference.transport == Transport::oci_archive);
    CHECK(reference.path == "image.tar");
    CHECK(reference.tag == "v2");
    CHECK(reference.text == "oci-archive:image.tar:v2");

    auto by_digest = parse_bootstrap("oci", "layout@sha256:" + hex64);
    CHECK(by_digest.path == "layout");
    CHECK(by_digest.digest == "sha256:" + hex64);

    CHECK(error_message([] { parse_bootstrap("docker", "busybox"); }) ==
          "Bootstrap: 'docker' is not oci, oci-archive or docker-archive");
    CHECK(error_message([] { parse_bootstrap("oci", " "); }) == "Bootstrap: oci: From: is empty");
}
