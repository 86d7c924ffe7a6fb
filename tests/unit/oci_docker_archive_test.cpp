// docker-archive: sources, the tar `docker save` writes: the image a RepoTags entry or @N
// chooses, layers checked against their names' digests or the config's diff ids, and the
// broken archives refused.
#include "image/oci/oci_image.hpp"

#include "image_fixture.hpp"
#include "oci_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::image::oci::Compression;
using hpc::image::oci::Image;
using hpc::image::oci::ImageSource;
using hpc::image::oci::parse_source;
using hpc::image::oci::short_digest;
using hpc::test::error_message;
using hpc::test::Json;
using hpc::test::TarEntry;

namespace {

std::string hex_of(const std::string& digest) { return digest.substr(7); }

// What an older `docker save` writes: "HEX.json" configs, "ID/layer.tar" layers, a second
// image whose layer is a link to the first's.
struct DockerSave {
    std::string layer_one = hpc::test::layer_tar({{"one", "1"}});
    std::string layer_two = hpc::test::layer_tar({{"two", "2"}});
    std::string config_one = hpc::test::config_document("amd64", {hpc::test::sha256_of(layer_one)}).dump();
    std::string config_two =
        hpc::test::config_document("arm64", {hpc::test::sha256_of(layer_one), hpc::test::sha256_of(layer_two)}, "v8")
            .dump();
    std::string config_one_name = hex_of(hpc::test::sha256_of(config_one)) + ".json";
    std::string config_two_name = hex_of(hpc::test::sha256_of(config_two)) + ".json";
    Json manifest = Json::array({
        {{"Config", config_one_name}, {"RepoTags", {"busybox:latest"}}, {"Layers", {"aaa/layer.tar"}}},
        {{"Config", config_two_name},
         {"RepoTags", {"example.org/tool:2", "tool:2"}},
         {"Layers", {"bbb/layer.tar", "ccc/layer.tar"}}},
    });

    std::vector<TarEntry> entries() const {
        return {
            {"aaa/layer.tar", layer_one},  {"bbb/layer.tar", "", TarEntry::Kind::symlink, "../aaa/layer.tar"},
            {"ccc/layer.tar", layer_two},  {config_one_name, config_one},
            {config_two_name, config_two}, {"manifest.json", manifest.dump()},
        };
    }
};

struct Archive {
    hpc::test::TempDir root{"hpc-oci"};
    std::string path = root.path() + "/save.tar";

    void write(const std::vector<TarEntry>& entries) {
        hpc::test::write_host_file(path, hpc::test::tar_bytes(entries));
    }
    Image read(const std::string& suffix = "") {
        return ImageSource::open(parse_source("docker-archive:" + path + suffix))->read_image("amd64");
    }
    std::string failure(const std::string& suffix = "", ExitCode code = ExitCode::data) {
        return error_message([&] { read(suffix); }, code);
    }
};

}  // namespace

TEST_CASE("a docker archive's image is chosen by RepoTags or place", "[oci]") {
    DockerSave save;
    Archive archive;
    archive.write(save.entries());

    Image busybox = archive.read(":busybox:latest");
    CHECK(busybox.architecture == "amd64");
    CHECK(busybox.config_json == save.config_one);
    CHECK(busybox.manifest_json == save.manifest[0].dump());
    CHECK(busybox.manifest_digest == hpc::test::sha256_of(save.manifest[0].dump()));
    CHECK(busybox.run.cmd == std::vector<std::string>{"echo hello"});
    REQUIRE(busybox.layers.size() == 1);
    CHECK(busybox.layers[0].descriptor.digest == hpc::test::sha256_of(save.layer_one));
    CHECK(busybox.layers[0].descriptor.size == save.layer_one.size());
    CHECK(busybox.layers[0].compression == Compression::none);
    CHECK(busybox.layers[0].descriptor.media_type == "application/vnd.docker.image.rootfs.diff.tar");

    // Docker's short names, with or without the default tag.
    CHECK(archive.read(":busybox").config_json == save.config_one);
    CHECK(archive.read(":docker.io/library/busybox:latest").config_json == save.config_one);

    Image tool = archive.read(":tool:2");
    CHECK(tool.architecture == "arm64");
    CHECK(tool.variant == "v8");
    REQUIRE(tool.layers.size() == 2);
    CHECK(tool.layers[0].location == "aaa/layer.tar");  // through the link
    CHECK(tool.layers[1].descriptor.digest == hpc::test::sha256_of(save.layer_two));
    CHECK(archive.read(":@1").config_json == save.config_two);
    CHECK(archive.read(":example.org/tool:2").config_json == save.config_two);

    auto source = ImageSource::open(parse_source("docker-archive:" + archive.path + ":@1"));
    Image image = source->read_image("amd64");
    CHECK(hpc::test::read_layer(*source, image.layers[0]) == save.layer_one);
    CHECK(hpc::test::read_layer(*source, image.layers[1]) == save.layer_two);
}

TEST_CASE("a docker archive of several images needs a name", "[oci]") {
    DockerSave save;
    Archive archive;
    archive.write(save.entries());
    std::string listing = "(@0 'busybox:latest', @1 'example.org/tool:2' 'tool:2')";
    CHECK(archive.failure("", ExitCode::no_input) ==
          archive.path + ": manifest.json: holds 2 images; name one as FILE:NAME:TAG or FILE:@N " + listing);
    CHECK(archive.failure(":alpine:3", ExitCode::no_input) ==
          archive.path + ": manifest.json: no image tagged 'alpine:3' " + listing);
    CHECK(archive.failure(":@2", ExitCode::no_input) == archive.path + ": manifest.json: no image '@2' " + listing);

    save.manifest.erase(1);
    archive.write(save.entries());
    CHECK(archive.read().config_json == save.config_one);
}

TEST_CASE("a docker archive saved as an OCI layout names layers by digest", "[oci]") {
    // Docker 25 saves blobs/sha256/HEX, its layers possibly compressed.
    std::string tar = hpc::test::layer_tar({{"one", "1"}});
    std::string gzip = hpc::test::layer_tar({{"one", "1"}}, Compression::gzip);
    std::string zstd = hpc::test::layer_tar({{"two", "2"}}, Compression::zstd);
    std::string config =
        hpc::test::config_document(
            "amd64", {hpc::test::sha256_of(tar), hpc::test::sha256_of(hpc::test::layer_tar({{"two", "2"}}))})
            .dump();
    std::string gzip_name = "blobs/sha256/" + hex_of(hpc::test::sha256_of(gzip));
    std::string zstd_name = "blobs/sha256/" + hex_of(hpc::test::sha256_of(zstd));
    std::string config_name = "blobs/sha256/" + hex_of(hpc::test::sha256_of(config));
    Json manifest = Json::array({{{"Config", config_name}, {"RepoTags", nullptr}, {"Layers", {gzip_name, zstd_name}}}});
    Archive archive;
    archive.write({{config_name, config}, {gzip_name, gzip}, {zstd_name, zstd}, {"manifest.json", manifest.dump()}});

    auto source = ImageSource::open(parse_source("docker-archive:" + archive.path));
    Image image = source->read_image("amd64");
    REQUIRE(image.layers.size() == 2);
    CHECK(image.layers[0].compression == Compression::gzip);
    CHECK(image.layers[0].descriptor.digest == hpc::test::sha256_of(gzip));
    CHECK(image.layers[0].descriptor.media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip");
    CHECK(image.layers[1].compression == Compression::zstd);
    CHECK(hpc::test::read_layer(*source, image.layers[1]) == zstd);
}

TEST_CASE("a broken docker archive is refused naming what is wrong", "[oci]") {
    DockerSave save;
    Archive archive;

    auto entries = save.entries();
    entries.pop_back();
    archive.write(entries);
    CHECK(archive.failure() == archive.path + ": member 'manifest.json': not in the archive");

    entries.push_back({"manifest.json", "{\"Config\": 1}"});
    archive.write(entries);
    CHECK(archive.failure() == archive.path + ": manifest.json: not a JSON array");

    entries.back().content = R"([{"RepoTags":["a:b"],"Layers":[]}])";
    archive.write(entries);
    CHECK(archive.failure() == archive.path + ": manifest.json[0]: no Config");

    entries.back().content = "[]";
    archive.write(entries);
    CHECK(archive.failure() == archive.path + ": manifest.json: lists no image");

    entries.back().content = R"([{"Config":"gone.json","Layers":[]}])";
    archive.write(entries);
    CHECK(archive.failure() == archive.path + ": config 'gone.json': not in the archive");

    // A config that is not what its name says.
    entries = save.entries();
    entries[3].content = save.config_two;
    archive.write(entries);
    CHECK(archive.failure(":busybox") == archive.path + ": config '" + save.config_one_name +
                                             "': digest mismatch (expected " + hpc::test::sha256_of(save.config_one) +
                                             ", got " + hpc::test::sha256_of(save.config_two) + ")");

    // A layer that does not match its diff id fails as it streams.
    entries = save.entries();
    entries[0].content = hpc::test::layer_tar({{"one", "X"}});
    archive.write(entries);
    auto source = ImageSource::open(parse_source("docker-archive:" + archive.path + ":busybox"));
    Image image = source->read_image("amd64");
    CHECK(error_message([&] { hpc::test::read_layer(*source, image.layers[0]); }, ExitCode::data)
              .starts_with(archive.path + ": blob " + short_digest(hpc::test::sha256_of(save.layer_one)) +
                           ": digest mismatch"));

    // Layers and diff ids that do not pair.
    save.manifest[0]["Layers"] = {"aaa/layer.tar", "ccc/layer.tar"};
    archive.write(save.entries());
    CHECK(archive.failure(":busybox") == archive.path + ": config " +
                                             short_digest(hpc::test::sha256_of(save.config_one)) +
                                             ": 1 diff_ids for the 2 layers manifest.json lists");
}

TEST_CASE("a compressed docker layer named by no digest cannot be checked", "[oci]") {
    std::string gzip = hpc::test::layer_tar({{"one", "1"}}, Compression::gzip);
    std::string config =
        hpc::test::config_document("amd64", {hpc::test::sha256_of(hpc::test::layer_tar({{"one", "1"}}))}).dump();
    std::string config_name = hex_of(hpc::test::sha256_of(config)) + ".json";
    Json manifest = Json::array({{{"Config", config_name}, {"Layers", {"abc/layer.tar"}}}});
    Archive archive;
    archive.write({{config_name, config}, {"abc/layer.tar", gzip}, {"manifest.json", manifest.dump()}});
    CHECK(
        archive.failure() ==
        archive.path +
            ": layer 'abc/layer.tar' is compressed and not named by its digest: there is nothing to check it against");
}
