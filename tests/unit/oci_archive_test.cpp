// oci-archive: sources, the tar of a layout: read as the directory is, through one descriptor,
// plain or compressed, and refused with the archive's name when truncated or not a tar.
#include "image/oci/oci_image.hpp"
#include "image/tar/tar_archive.hpp"

#include "image_fixture.hpp"
#include "oci_fixture.hpp"
#include "thrown_error.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::image::oci::Compression;
using hpc::image::oci::Image;
using hpc::image::oci::ImageSource;
using hpc::image::oci::parse_source;
using hpc::image::oci::short_digest;
using hpc::test::error_message;
using hpc::test::Json;
using hpc::test::OciLayoutFiles;
using hpc::test::TarEntry;

namespace {

}  // namespace

TEST_CASE("an oci archive is read as its layout", "[oci]") {
    for (Compression compression : {Compression::none, Compression::gzip, Compression::zstd}) {
        hpc::test::TempDir root("hpc-oci");
        OciLayoutFiles files;
        Json amd64 = files.add_image("amd64", true);
        Json arm64 = files.add_image("arm64");
        Json index =
            files.add_index({hpc::test::with_platform(amd64, "amd64"), hpc::test::with_platform(arm64, "arm64")});
        files.set_index_json({hpc::test::with_tag(index, "latest")});
        std::string tar = root.path() + "/image.tar";
        files.write_archive(tar, compression);

        auto source = ImageSource::open(parse_source("oci-archive:" + tar + ":latest"));
        Image image = source->read_image("arm64");
        CHECK(image.manifest_digest == arm64.at("digest"));
        CHECK(image.architecture == "arm64");
        REQUIRE(image.layers.size() == 1);
        CHECK(hpc::test::read_layer(*source, image.layers[0]) == files.files.at(image.layers[0].location));

        // Two streams of one archive at once do not disturb each other.
        Image other = source->read_image("amd64");
        auto first = source->open_layer(image.layers[0]);
        auto second = source->open_layer(other.layers.at(0));
        char a[10], b[10];
        CHECK(first->read(a, sizeof a) == 10);
        CHECK(second->read(b, sizeof b) == 10);
        first->finish();
        second->finish();
        CHECK(second->position() == other.layers[0].descriptor.size);

        CHECK(ImageSource::open(parse_source("oci-archive:" + tar + "@" + amd64.at("digest").get<std::string>()))
                  ->read_image("arm64")
                  .manifest_digest == amd64.at("digest"));
    }
}

TEST_CASE("a layer stream outlives the source that opened it", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    OciLayoutFiles files;
    files.set_index_json({files.add_image("amd64")});
    std::string tar = root.path() + "/image.tar";
    files.write_archive(tar);
    files.write_directory(root.path() + "/layout");
    for (std::string source_text : {"oci-archive:" + tar, "oci:" + root.path() + "/layout"}) {
        auto source = ImageSource::open(parse_source(source_text));
        Image image = source->read_image("amd64");
        auto stream = source->open_layer(image.layers.at(0));
        source.reset();
        std::string bytes;
        char buffer[100];
        while (std::size_t got = stream->read(buffer, sizeof buffer)) bytes.append(buffer, got);
        CHECK(bytes == files.files.at(image.layers[0].location));
    }
}

TEST_CASE("an oci archive's members may start with ./", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    OciLayoutFiles files;
    Json manifest = files.add_image("amd64");
    files.set_index_json({manifest});
    std::vector<TarEntry> entries{{"./", "", TarEntry::Kind::directory}};
    for (const auto& [name, content] : files.files) entries.push_back({"./" + name, content});
    std::string tar = root.path() + "/dot.tar";
    hpc::test::write_host_file(tar, hpc::test::tar_bytes(entries));
    CHECK(ImageSource::open(parse_source("oci-archive:" + tar))->read_image("amd64").manifest_digest ==
          manifest.at("digest"));
}

TEST_CASE("a missing, empty or foreign oci archive is refused", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    std::string missing = root.path() + "/none.tar";
    CHECK(error_message([&] { ImageSource::open(parse_source("oci-archive:" + missing)); }, ExitCode::no_input) ==
          missing + ": No such file or directory");
    CHECK(error_message([&] { ImageSource::open(parse_source("oci-archive:" + root.path())); }, ExitCode::data) ==
          root.path() + ": not a regular file");
    std::string foreign = root.path() + "/foreign.tar";
    hpc::test::write_host_file(foreign, std::string(2048, 'x'));
    CHECK(error_message([&] { ImageSource::open(parse_source("oci-archive:" + foreign)); }, ExitCode::data) ==
          foreign + ": reading the tar: Unrecognized archive format");
    std::string empty = root.path() + "/empty.tar";
    hpc::test::write_host_file(empty, "");
    CHECK(error_message([&] { ImageSource::open(parse_source("oci-archive:" + empty))->read_image("amd64"); },
                        ExitCode::data) == empty + ": reading the tar: Unrecognized archive format");
    std::string other_tar = root.path() + "/other.tar";
    hpc::test::write_host_file(other_tar, hpc::test::tar_bytes({{"hello", "world"}}));
    CHECK(error_message([&] { ImageSource::open(parse_source("oci-archive:" + other_tar))->read_image("amd64"); },
                        ExitCode::data) == other_tar + ": not an OCI image layout's tar (no index.json)");
}

TEST_CASE("a truncated oci archive is refused when it is opened", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    OciLayoutFiles files;
    files.set_index_json({files.add_image("amd64")});
    // A layer big enough to be cut in its middle, stored last in the archive: the headers are
    // read through once when the archive is opened, which finds it short.
    std::string layer_bytes = hpc::test::layer_tar({{"big", hpc::test::random_bytes(100000, 3)}});
    std::vector<TarEntry> entries;
    for (const auto& [name, content] : files.files) entries.push_back({name, content});
    entries.push_back({"blobs/sha256/" + std::string(64, 'f'), layer_bytes});
    for (Compression compression : {Compression::none, Compression::gzip}) {
        std::string tar_bytes = hpc::test::tar_bytes(entries, compression);
        std::string tar = root.path() + "/cut.tar";
        hpc::test::write_host_file(tar, tar_bytes.substr(0, tar_bytes.size() / 2));
        CHECK(error_message([&] { ImageSource::open(parse_source("oci-archive:" + tar)); }, ExitCode::data)
                  .starts_with(tar + ": reading the tar: "));
    }
}

TEST_CASE("an oci archive cut after it was opened fails as its blob streams", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    OciLayoutFiles files;
    Json manifest = Json::parse(files.files[hpc::test::blob_file(files.add_image("amd64"))]);
    Json layer =
        files.add_blob(hpc::test::oci_layer_type, hpc::test::layer_tar({{"big", hpc::test::random_bytes(100000, 4)}}));
    files.set_index_json({files.add_manifest(manifest["config"], {layer})});
    std::string tar = root.path() + "/image.tar";
    files.write_archive(tar);
    auto source = ImageSource::open(parse_source("oci-archive:" + tar));
    Image image = source->read_image("amd64");

    std::string bytes = hpc::test::read_host_file(tar);
    std::size_t layer_at = bytes.find(files.files.at(hpc::test::blob_file(layer)));
    REQUIRE(layer_at != std::string::npos);
    REQUIRE(::truncate(tar.c_str(), static_cast<off_t>(layer_at + 5000)) == 0);
    std::string message = error_message([&] { hpc::test::read_layer(*source, image.layers.at(0)); }, ExitCode::data);
    CHECK(message == tar + ": blob " + short_digest(layer.at("digest").get<std::string>()) + ": Truncated tar archive");
}

TEST_CASE("an oci archive's blob that is missing is named", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    OciLayoutFiles files;
    Json manifest = files.add_image("amd64");
    files.set_index_json({manifest});
    files.files.erase(hpc::test::blob_file(manifest));
    std::string tar = root.path() + "/image.tar";
    files.write_archive(tar);
    CHECK(error_message([&] { ImageSource::open(parse_source("oci-archive:" + tar))->read_image("amd64"); },
                        ExitCode::data) == tar + ": blob " + short_digest(manifest.at("digest").get<std::string>()) +
                                               ": not in the archive (" + hpc::test::blob_file(manifest) + ")");
}

TEST_CASE("tar members are found through links and refused twice", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    std::string tar = root.path() + "/links.tar";
    hpc::test::write_host_file(tar, hpc::test::tar_bytes({
                                        {"a/layer.tar", "layer"},
                                        {"b/layer.tar", "", TarEntry::Kind::symlink, "../a/layer.tar"},
                                        {"c/layer.tar", "", TarEntry::Kind::hardlink, "a/layer.tar"},
                                        {"d/escape", "", TarEntry::Kind::symlink, "../../etc/passwd"},
                                        {"e/loop", "", TarEntry::Kind::symlink, "loop"},
                                    }));
    hpc::image::tar::TarArchive archive(tar);
    REQUIRE(archive.find("b/layer.tar"));
    CHECK(archive.find("b/layer.tar")->name == "a/layer.tar");
    REQUIRE(archive.find("./c/layer.tar"));
    CHECK(archive.read_member(*archive.find("c/layer.tar"), 100) == "layer");
    CHECK_FALSE(archive.find("d/escape"));
    CHECK_FALSE(archive.find("e/loop"));
    CHECK_FALSE(archive.find("a"));
    CHECK(error_message([&] { archive.read_member(*archive.find("a/layer.tar"), 3); }, ExitCode::data) ==
          tar + ": a/layer.tar: 5 bytes, more than the 3 hpc reads of it");

    std::string twice = root.path() + "/twice.tar";
    hpc::test::write_host_file(twice, hpc::test::tar_bytes({{"index.json", "{}"}, {"./index.json", "{}"}}));
    CHECK(error_message([&] { hpc::image::tar::TarArchive{twice}; }, ExitCode::data) ==
          twice + ": member 'index.json' is in the archive twice");
}

TEST_CASE("member names are compared in one spelling", "[oci]") {
    using hpc::image::tar::normal_member_name;
    CHECK(normal_member_name("./a//b/./c") == "a/b/c");
    CHECK(normal_member_name("a/../b") == "b");
    CHECK(normal_member_name("../b").empty());
    CHECK(normal_member_name("/index.json") == "index.json");
    CHECK(normal_member_name("./").empty());
}
