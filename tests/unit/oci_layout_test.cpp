// oci: sources, an image layout directory built by the test: which image a tag, a digest or
// the platform chooses, through nested indexes, what is read of it, and every kind of broken
// layout, each refused with one line naming the file or blob.
#include "image/oci/oci_image.hpp"

#include "image_fixture.hpp"
#include "oci_fixture.hpp"
#include "thrown_error.hpp"

#include <sys/stat.h>
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

namespace {

struct Layout {
    hpc::test::TempDir root{"hpc-oci"};
    OciLayoutFiles files;
    std::string path() const { return root.path() + "/layout"; }

    Image read(const std::string& suffix = "", const std::string& architecture = "amd64") {
        files.write_directory(path());
        return ImageSource::open(parse_source("oci:" + path() + suffix))->read_image(architecture);
    }
    std::string failure(const std::string& suffix = "", ExitCode code = ExitCode::data,
                        const std::string& architecture = "amd64") {
        return error_message([&] { read(suffix, architecture); }, code);
    }
    // A blob's JSON, changed by `edit` and stored again under its new digest (the descriptor
    // returned points to it).
    template <typename Edit>
    Json edited(const Json& descriptor, Edit edit) {
        Json document = Json::parse(files.files.at(hpc::test::blob_file(descriptor)));
        edit(document);
        return files.add_blob(descriptor.at("mediaType"), document.dump());
    }
};

// The config and layer descriptors of a stored manifest.
Json manifest_of(const OciLayoutFiles& files, const Json& descriptor) {
    return Json::parse(files.files.at(hpc::test::blob_file(descriptor)));
}

}  // namespace

TEST_CASE("an oci layout of one image is read whole", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    layout.files.set_index_json({manifest});
    Image image = layout.read();

    CHECK(image.architecture == "amd64");
    CHECK(image.os == "linux");
    CHECK(image.variant.empty());
    CHECK(image.manifest_digest == manifest.at("digest"));
    CHECK(image.manifest_json == layout.files.files.at(hpc::test::blob_file(manifest)));
    Json stored_manifest = manifest_of(layout.files, manifest);
    CHECK(image.config_json == layout.files.files.at(hpc::test::blob_file(stored_manifest["config"])));
    CHECK(image.run.env == std::vector<std::string>{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"});
    CHECK(image.run.entrypoint == std::vector<std::string>{"/bin/sh", "-c"});
    CHECK(image.run.cmd == std::vector<std::string>{"echo hello"});
    CHECK(image.run.working_dir == "/work");
    CHECK(image.run.user == "1000:1000");
    using Labels = std::vector<std::pair<std::string, std::string>>;
    CHECK(image.run.labels == Labels{{"org.example.a", "1"}, {"org.example.b", "2"}});

    REQUIRE(image.layers.size() == 1);
    const auto& layer = image.layers[0];
    CHECK(layer.compression == Compression::none);
    CHECK(layer.descriptor.digest == stored_manifest["layers"][0]["digest"]);
    CHECK(layer.location == hpc::test::blob_file(stored_manifest["layers"][0]));
    auto source = ImageSource::open(parse_source("oci:" + layout.path()));
    CHECK(hpc::test::read_layer(*source, layer) == layout.files.files.at(layer.location));
}

TEST_CASE("an oci layout's gzip layer is said to be gzip", "[oci]") {
    Layout layout;
    layout.files.set_index_json({layout.files.add_image("amd64", true)});
    Image image = layout.read();
    REQUIRE(image.layers.size() == 1);
    CHECK(image.layers[0].compression == Compression::gzip);
    CHECK(image.layers[0].descriptor.media_type == hpc::test::oci_gzip_layer_type);
}

TEST_CASE("an oci layout's config fields may be null or absent", "[oci]") {
    Layout layout;
    Json config = layout.files.add_blob(
        hpc::test::oci_config_type,
        R"({"architecture":"amd64","os":"linux","config":{"Env":null,"Cmd":null,"Labels":null}})");
    layout.files.set_index_json({layout.files.add_manifest(config, {})});
    Image image = layout.read();
    CHECK(image.run.env.empty());
    CHECK(image.run.cmd.empty());
    CHECK(image.run.entrypoint.empty());
    CHECK(image.run.labels.empty());
    CHECK(image.layers.empty());
}

TEST_CASE("an oci layout's tag chooses among its images", "[oci]") {
    Layout layout;
    Json first = layout.files.add_image("amd64");
    Json second = layout.files.add_image("amd64", true);
    layout.files.set_index_json({hpc::test::with_tag(first, "v1"), hpc::test::with_tag(second, "v2")});

    CHECK(layout.read(":v2").manifest_digest == second.at("digest"));
    CHECK(layout.read(":v1").manifest_digest == first.at("digest"));
    CHECK(layout.failure(":v3", ExitCode::no_input) ==
          layout.path() + ": index.json: no image tagged 'v3' (tags: 'v1', 'v2')");
    CHECK(layout.failure("", ExitCode::no_input) ==
          layout.path() + ": index.json: holds several images; name one by its tag or @digest (tags: 'v1', 'v2')");
}

TEST_CASE("an oci layout without tags has none to offer", "[oci]") {
    Layout layout;
    layout.files.set_index_json({layout.files.add_image("amd64")});
    CHECK(layout.failure(":latest", ExitCode::no_input) ==
          layout.path() + ": index.json: no image tagged 'latest' (it has none)");
    layout.files.set_index_json({});
    CHECK(layout.failure("", ExitCode::no_input) == layout.path() + ": index.json: lists no image");
}

TEST_CASE("an oci layout's nested index is chosen from by platform", "[oci]") {
    Layout layout;
    Json amd64 = layout.files.add_image("amd64");
    Json arm64 = layout.files.add_image("arm64", false, "v8");
    Json arm = layout.files.add_image("arm", false, "v7");
    Json index = layout.files.add_index({hpc::test::with_platform(amd64, "amd64"),
                                         hpc::test::with_platform(arm64, "arm64", "v8"),
                                         hpc::test::with_platform(arm, "arm", "v7")});
    layout.files.set_index_json({hpc::test::with_tag(index, "latest")});

    CHECK(layout.read(":latest", "arm64").manifest_digest == arm64.at("digest"));
    CHECK(layout.read("", "amd64").manifest_digest == amd64.at("digest"));
    CHECK(layout.read("", "arm").variant == "v7");
    CHECK(layout.failure("", ExitCode::no_input, "ppc64le") ==
          layout.path() + ": index " + short_digest(index.at("digest").get<std::string>()) +
              ": no image for linux/ppc64le (there are: 'linux/amd64', 'linux/arm64/v8', 'linux/arm/v7')");
}

TEST_CASE("platforms listed in index.json itself are chosen from", "[oci]") {
    Layout layout;
    Json windows = layout.files.add_image("amd64");
    Json amd64 = layout.files.add_image("amd64", true);
    Json arm64_v9 = layout.files.add_image("arm64", false, "v9");
    Json arm64 = layout.files.add_image("arm64");
    layout.files.set_index_json(
        {hpc::test::with_platform(windows, "amd64", "", "windows"), hpc::test::with_platform(amd64, "amd64"),
         hpc::test::with_platform(arm64_v9, "arm64", "v9"), hpc::test::with_platform(arm64, "arm64")});
    CHECK(layout.read().manifest_digest == amd64.at("digest"));
    // arm64 with no variant (or "v8") before a newer variant, wherever it is listed.
    CHECK(layout.read("", "arm64").manifest_digest == arm64.at("digest"));
}

TEST_CASE("several images without platforms cannot be chosen from", "[oci]") {
    Layout layout;
    Json first = layout.files.add_image("amd64");
    Json second = layout.files.add_image("arm64");
    layout.files.set_index_json({first, second});
    CHECK(layout.failure("", ExitCode::no_input) ==
          layout.path() + ": index.json: no image for linux/amd64 (there are: " +
              short_digest(first.at("digest").get<std::string>()) + " (no platform), " +
              short_digest(second.at("digest").get<std::string>()) + " (no platform))");
}

TEST_CASE("an oci layout's digest names a manifest or an index, nested or not", "[oci]") {
    Layout layout;
    Json amd64 = layout.files.add_image("amd64");
    Json arm64 = layout.files.add_image("arm64");
    Json index =
        layout.files.add_index({hpc::test::with_platform(amd64, "amd64"), hpc::test::with_platform(arm64, "arm64")});
    Json other = layout.files.add_image("amd64", true);
    layout.files.set_index_json({hpc::test::with_tag(index, "multi"), hpc::test::with_tag(other, "single")});

    std::string arm64_digest = arm64.at("digest");
    CHECK(layout.read("@" + arm64_digest).manifest_digest == arm64_digest);  // inside the nested index
    CHECK(layout.read("@" + other.at("digest").get<std::string>()).manifest_digest == other.at("digest"));
    CHECK(layout.read("@" + index.at("digest").get<std::string>(), "arm64").manifest_digest == arm64_digest);
    std::string absent = "sha256:" + std::string(64, 'e');
    CHECK(layout.failure("@" + absent, ExitCode::no_input) ==
          layout.path() + ": index.json: no manifest or index " + absent);
}

TEST_CASE("an index or manifest without a media type is known by its content", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    Json untyped_manifest = layout.edited(manifest, [](Json& document) { document.erase("mediaType"); });
    untyped_manifest.erase("mediaType");
    Json index = layout.files.add_index({hpc::test::with_platform(untyped_manifest, "amd64")});
    Json untyped_index = layout.edited(index, [](Json& document) { document.erase("mediaType"); });
    untyped_index.erase("mediaType");
    layout.files.set_index_json({untyped_index});
    CHECK(layout.read().manifest_digest == untyped_manifest.at("digest"));
    CHECK(layout.read("@" + untyped_manifest.at("digest").get<std::string>()).manifest_digest ==
          untyped_manifest.at("digest"));
}

TEST_CASE("indexes nested deeper than four are refused", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    Json innermost = layout.files.add_index({manifest});
    Json entry = innermost;
    for (int level = 0; level < 3; ++level) entry = layout.files.add_index({entry});
    layout.files.set_index_json({entry});  // the innermost index is the fourth
    CHECK(layout.read().manifest_digest == manifest.at("digest"));

    layout.files.set_index_json({layout.files.add_index({entry})});  // and now the fifth
    CHECK(layout.failure() == layout.path() + ": index " + short_digest(innermost.at("digest").get<std::string>()) +
                                  ": indexes nested deeper than 4");
}

TEST_CASE("a missing or wrong oci layout path is refused", "[oci]") {
    hpc::test::TempDir root("hpc-oci");
    std::string missing = root.path() + "/none";
    CHECK(error_message([&] { ImageSource::open(parse_source("oci:" + missing)); }, ExitCode::no_input) ==
          missing + ": No such file or directory");
    std::string file = root.path() + "/file";
    hpc::test::write_host_file(file, "x");
    CHECK(error_message([&] { ImageSource::open(parse_source("oci:" + file)); }, ExitCode::data) ==
          file + ": not a directory (an oci: source is an OCI image layout)");
    std::string empty = root.path() + "/empty";
    ::mkdir(empty.c_str(), 0755);
    CHECK(error_message([&] { ImageSource::open(parse_source("oci:" + empty))->read_image("amd64"); },
                        ExitCode::data) == empty + ": not an OCI image layout (no index.json)");
}

TEST_CASE("broken JSON in an oci layout is named with its file", "[oci]") {
    Layout layout;
    layout.files.files["index.json"] = "{\"manifests\": [";
    CHECK(layout.failure().starts_with(layout.path() + ": index.json: invalid JSON: "));
    layout.files.files["index.json"] = "[]";
    CHECK(layout.failure() == layout.path() + ": index.json: not a JSON object");
    layout.files.files["index.json"] = R"({"schemaVersion":2})";
    CHECK(layout.failure() ==
          layout.path() + ": index.json: neither an image manifest (no config) nor an index (no manifests)");
    layout.files.files["index.json"] = R"({"schemaVersion":2,"manifests":[{"mediaType":"x","size":1}]})";
    CHECK(layout.failure() == layout.path() + ": index.json: manifests[0]: no digest");
    layout.files.files["index.json"] =
        R"({"schemaVersion":2,"manifests":[{"digest":"sha256:../../etc/passwd","size":1}]})";
    CHECK(
        layout.failure() ==
        layout.path() +
            ": index.json: manifests[0]: digest 'sha256:../../etc/passwd' is not sha256:<64 hex> or sha512:<128 hex>");
    layout.files.files["index.json"] =
        R"({"schemaVersion":2,"manifests":[{"digest":"sha256:)" + std::string(64, 'a') + R"(","size":-1}]})";
    CHECK(layout.failure() == layout.path() + ": index.json: manifests[0]: size is not a non-negative integer");
    layout.files.files["index.json"] = R"({"schemaVersion":3,"manifests":[]})";
    CHECK(layout.failure() == layout.path() + ": index.json: schemaVersion is not 2");
}

TEST_CASE("unknown media types in an oci layout are refused by name", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    std::string short_manifest = short_digest(manifest.at("digest").get<std::string>());

    Json artifact = manifest;
    artifact["mediaType"] = "application/vnd.example.thing";
    layout.files.set_index_json({artifact});
    CHECK(layout.failure() ==
          layout.path() + ": blob " + short_manifest +
              ": unknown media type 'application/vnd.example.thing' (not an image manifest or index)");

    Json odd_layer =
        layout.edited(manifest, [](Json& document) { document["layers"][0]["mediaType"] = "application/x-tar"; });
    layout.files.set_index_json({odd_layer});
    CHECK(layout.failure() == layout.path() + ": manifest " + short_digest(odd_layer.at("digest").get<std::string>()) +
                                  ": layers[0]: unknown media type 'application/x-tar' (not a layer hpc can apply)");

    Json odd_config =
        layout.edited(manifest, [](Json& document) { document["config"]["mediaType"] = "application/json"; });
    layout.files.set_index_json({odd_config});
    CHECK(layout.failure() == layout.path() + ": manifest " + short_digest(odd_config.at("digest").get<std::string>()) +
                                  ": config: unknown media type 'application/json' (not an image config)");

    Json no_config = layout.edited(manifest, [](Json& document) { document.erase("config"); });
    layout.files.set_index_json({no_config});
    CHECK(layout.failure() ==
          layout.path() + ": manifest " + short_digest(no_config.at("digest").get<std::string>()) + ": no config");
}

TEST_CASE("a manifest blob that does not match its digest is refused", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    layout.files.set_index_json({manifest});
    std::string& stored = layout.files.files.at(hpc::test::blob_file(manifest));
    stored[stored.size() - 1] = ' ';  // the same size, another digest
    std::string digest = manifest.at("digest");
    CHECK(layout.failure() == layout.path() + ": blob " + short_digest(digest) + ": digest mismatch (expected " +
                                  digest + ", got " + hpc::test::sha256_of(stored) + ")");
    stored += " ";
    CHECK(layout.failure() == layout.path() + ": blob " + short_digest(digest) + ": larger than the " +
                                  std::to_string(manifest.at("size").get<std::size_t>()) +
                                  " bytes its descriptor gives");
}

TEST_CASE("a missing blob and a blob of the wrong size are refused", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    Json wrong_size = manifest;
    wrong_size["size"] = manifest.at("size").get<std::size_t>() + 5;
    layout.files.set_index_json({wrong_size});
    std::string digest = manifest.at("digest");
    CHECK(layout.failure() == layout.path() + ": blob " + short_digest(digest) +
                                  ": truncated: " + std::to_string(manifest.at("size").get<std::size_t>()) + " of " +
                                  std::to_string(wrong_size.at("size").get<std::size_t>()) + " bytes");

    Json config = manifest_of(layout.files, manifest)["config"];
    layout.files.set_index_json({manifest});
    layout.files.files.erase(hpc::test::blob_file(config));
    hpc::test::TempDir root("hpc-oci");
    layout.files.write_directory(root.path() + "/l");
    CHECK(error_message([&] { ImageSource::open(parse_source("oci:" + root.path() + "/l"))->read_image("amd64"); },
                        ExitCode::data) == root.path() + "/l: blob " +
                                               short_digest(config.at("digest").get<std::string>()) +
                                               ": not in the layout (" + hpc::test::blob_file(config) + ")");
}

TEST_CASE("a truncated or altered layer fails while it streams", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    layout.files.set_index_json({manifest});
    Image image = layout.read();
    auto source = ImageSource::open(parse_source("oci:" + layout.path()));
    const auto& layer = image.layers.at(0);
    std::string file = layout.path() + "/" + layer.location;
    std::string bytes = layout.files.files.at(layer.location);

    REQUIRE(::truncate(file.c_str(), 1000) == 0);
    CHECK(error_message([&] { hpc::test::read_layer(*source, layer); }, ExitCode::data) ==
          layout.path() + ": blob " + short_digest(layer.descriptor.digest) + ": truncated: 1000 of " +
              std::to_string(bytes.size()) + " bytes");

    bytes[600] = static_cast<char>(bytes[600] ^ 1);
    hpc::test::write_host_file(file, bytes);
    CHECK(error_message([&] { hpc::test::read_layer(*source, layer); }, ExitCode::data)
              .starts_with(layout.path() + ": blob " + short_digest(layer.descriptor.digest) +
                           ": digest mismatch (expected "));
}

TEST_CASE("a blob that is a link or no regular file is refused", "[oci]") {
    Layout layout;
    Json manifest = layout.files.add_image("amd64");
    layout.files.set_index_json({manifest});
    Image image = layout.read();
    const auto& layer = image.layers.at(0);
    std::string file = layout.path() + "/" + layer.location;
    auto source = ImageSource::open(parse_source("oci:" + layout.path()));

    REQUIRE(::rename(file.c_str(), (file + ".real").c_str()) == 0);
    REQUIRE(::symlink((file + ".real").c_str(), file.c_str()) == 0);
    CHECK(error_message([&] { source->open_layer(layer); }, ExitCode::data) ==
          layout.path() + ": blob " + short_digest(layer.descriptor.digest) + ": " + layer.location +
              " is a symbolic link, not a regular file");
    REQUIRE(::unlink(file.c_str()) == 0);
    REQUIRE(::mkfifo(file.c_str(), 0644) == 0);
    CHECK(error_message([&] { source->open_layer(layer); }, ExitCode::data) ==
          layout.path() + ": " + layer.location + ": not a regular file");
}

TEST_CASE("an oci layout's config of wrong types is refused by field", "[oci]") {
    auto failure_of = [](const std::string& config_json) {
        Layout layout;
        Json config = layout.files.add_blob(hpc::test::oci_config_type, config_json);
        layout.files.set_index_json({layout.files.add_manifest(config, {})});
        std::string message = layout.failure();
        std::string prefix = layout.path() + ": config " + short_digest(config.at("digest").get<std::string>()) + ": ";
        CHECK(message.starts_with(prefix));
        return message.substr(std::min(prefix.size(), message.size()));
    };
    CHECK(failure_of(R"({"os":"linux"})") == "no architecture");
    CHECK(failure_of(R"({"architecture":"amd64"})") == "no os");
    CHECK(failure_of(R"({"architecture":"amd64","os":"linux","config":{"Env":"PATH=/bin"}})") ==
          "config: Env is not an array");
    CHECK(failure_of(R"({"architecture":"amd64","os":"linux","config":{"Cmd":[1]}})") ==
          "config: Cmd is not an array of strings");
    CHECK(failure_of(R"({"architecture":"amd64","os":"linux","config":{"User":0}})") == "config: User is not a string");
    CHECK(failure_of(R"({"architecture":"amd64","os":"linux","config":{"Labels":{"a":1}}})") ==
          "config: Labels: 'a' is not a string");
    CHECK(failure_of(R"({"architecture":"amd64","os":"linux","config":[]})") == "config is not a JSON object");
    CHECK(failure_of(R"({"architecture":"amd64","os":"linux","rootfs":{"diff_ids":["sha256:x"]}})") ==
          "rootfs: diff_ids: 'sha256:x' is not a valid digest");
    CHECK(failure_of("not json").starts_with("invalid JSON: "));
    // A number no type holds (found by tests/fuzz's oci_json): refused as the document's, not an
    // internal error.
    CHECK(failure_of(R"({"architecture":"amd64","os":"linux","created":1e99999})") ==
          "invalid JSON: number overflow parsing '1e99999'");
}

TEST_CASE("JSON blobs and layer lists of an oci layout are bounded", "[oci]") {
    Layout layout;
    Json huge = layout.files.add_image("amd64");
    huge["size"] = 5 * 1024 * 1024;
    layout.files.set_index_json({huge});
    CHECK(layout.failure() == layout.path() + ": blob " + short_digest(huge.at("digest").get<std::string>()) +
                                  ": 5242880 bytes, more than the 4194304 a JSON document may have");

    Json config = layout.files.add_blob(hpc::test::oci_config_type, hpc::test::config_document("amd64").dump());
    Json layer = layout.files.add_blob(hpc::test::oci_layer_type, "x");
    Json many = layout.files.add_manifest(config, std::vector<Json>(1001, layer));
    layout.files.set_index_json({many});
    CHECK(layout.failure() == layout.path() + ": manifest " + short_digest(many.at("digest").get<std::string>()) +
                                  ": layers has 1001 entries, more than 1000");
}
