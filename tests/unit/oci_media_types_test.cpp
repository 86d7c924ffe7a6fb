// The media types hpc reads, and the digests it accepts: the tables of image-spec and Docker.
#include "image/oci/digest_text.hpp"
#include "image/oci/media_types.hpp"

#include <catch2/catch.hpp>

using hpc::image::oci::Compression;
using hpc::image::oci::DocumentKind;

TEST_CASE("manifest and index media types of OCI and Docker are known", "[oci]") {
    using hpc::image::oci::document_kind;
    CHECK(document_kind("application/vnd.oci.image.manifest.v1+json") == DocumentKind::manifest);
    CHECK(document_kind("application/vnd.docker.distribution.manifest.v2+json") == DocumentKind::manifest);
    CHECK(document_kind("application/vnd.oci.image.index.v1+json") == DocumentKind::index);
    CHECK(document_kind("application/vnd.docker.distribution.manifest.list.v2+json") == DocumentKind::index);
    CHECK_FALSE(document_kind("application/vnd.docker.distribution.manifest.v1+prettyjws"));
    CHECK_FALSE(document_kind(""));
    CHECK(hpc::image::oci::is_config_media_type("application/vnd.oci.image.config.v1+json"));
    CHECK(hpc::image::oci::is_config_media_type("application/vnd.docker.container.image.v1+json"));
    CHECK_FALSE(hpc::image::oci::is_config_media_type("application/vnd.oci.empty.v1+json"));
}

TEST_CASE("layer media types say their compression", "[oci]") {
    using hpc::image::oci::layer_compression;
    CHECK(layer_compression("application/vnd.oci.image.layer.v1.tar") == Compression::none);
    CHECK(layer_compression("application/vnd.oci.image.layer.v1.tar+gzip") == Compression::gzip);
    CHECK(layer_compression("application/vnd.oci.image.layer.v1.tar+zstd") == Compression::zstd);
    CHECK(layer_compression("application/vnd.oci.image.layer.nondistributable.v1.tar") == Compression::none);
    CHECK(layer_compression("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip") == Compression::gzip);
    CHECK(layer_compression("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd") == Compression::zstd);
    CHECK(layer_compression("application/vnd.docker.image.rootfs.diff.tar") == Compression::none);
    CHECK(layer_compression("application/vnd.docker.image.rootfs.diff.tar.gzip") == Compression::gzip);
    CHECK(layer_compression("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") == Compression::gzip);
    CHECK_FALSE(layer_compression("application/vnd.oci.image.layer.v1.tar+bzip2"));
    CHECK_FALSE(layer_compression("application/octet-stream"));
}

TEST_CASE("digests are sha256 or sha512 of lower-case hex and nothing else", "[oci]") {
    using hpc::image::oci::is_valid_digest;
    CHECK(is_valid_digest("sha256:" + std::string(64, 'a')));
    CHECK(is_valid_digest("sha512:" + std::string(128, '9')));
    CHECK_FALSE(is_valid_digest("sha256:" + std::string(63, 'a')));
    CHECK_FALSE(is_valid_digest("sha256:" + std::string(65, 'a')));
    CHECK_FALSE(is_valid_digest("sha256:" + std::string(64, 'A')));
    CHECK_FALSE(is_valid_digest("sha512:" + std::string(64, 'a')));
    CHECK_FALSE(is_valid_digest("md5:" + std::string(32, 'a')));
    CHECK_FALSE(is_valid_digest("sha256:../../../../etc/passwd"));
    CHECK_FALSE(is_valid_digest("sha256:" + std::string(61, 'a') + "/.."));
    CHECK_FALSE(is_valid_digest(std::string(64, 'a')));
    CHECK_FALSE(is_valid_digest(""));
}
