#include "common/error.hpp"
#include "image/serve/squashfs_server.hpp"
#include "image/tree/image_file.hpp"
#include "image/tree/image_tree.hpp"
#include "image/tree/image_metadata.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using hpc::image::ImageFile;
using hpc::image::ImageMetadata;
using hpc::test::TempDir;
using hpc::test::write_host_file;

namespace {

// A directory image with Apptainer's metadata layout.
struct MetadataImage {
    TempDir root{"hpc-metadata"};

    MetadataImage() {
        for (const char* directory : {"/.singularity.d", "/.singularity.d/env"})
            ::mkdir((root.path() + directory).c_str(), 0755);
    }
    void write(const std::string& path, const std::string& content) const { write_host_file(root.path() + path, content); }
    ImageMetadata read() const {
        ImageFile image = ImageFile::open(root.path());
        return hpc::image::read_metadata(image, *hpc::image::open_tree(image));
    }
};

}  // namespace

TEST_CASE("inspect's metadata comes from /.singularity.d, trailing newlines trimmed") {
    MetadataImage image;
    image.write("/.singularity.d/runscript", "#!/bin/sh\nexec app \"$@\"\n\n");
    image.write("/.singularity.d/startscript", "#!/bin/sh\nstart\n");
    image.write("/.singularity.d/test", "#!/bin/sh\ncheck\n");
    image.write("/.singularity.d/runscript.help", "How to use it.\n");
    image.write("/.singularity.d/Singularity", "Bootstrap: scratch\n");
    image.write("/.singularity.d/labels.json", R"({"b": "2", "a": "1", "n": 3})");
    ImageMetadata metadata = image.read();
    CHECK(metadata.runscript == "#!/bin/sh\nexec app \"$@\"");
    CHECK(metadata.startscript == "#!/bin/sh\nstart");
    CHECK(metadata.test == "#!/bin/sh\ncheck");
    CHECK(metadata.helpfile == "How to use it.");
    CHECK(metadata.deffile == "Bootstrap: scratch");
    // Sorted by name, as Apptainer prints them; a value that is not a string keeps its JSON.
    CHECK(metadata.labels == std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}, {"n", "3"}});
}

TEST_CASE("inspect shows the %environment and Docker environment files, not the base ones") {
    MetadataImage image;
    for (const char* name : {"01-base.sh", "10-docker2singularity.sh", "90-environment.sh", "91-environment.sh",
                             "94-appsbase.sh", "99-base.sh"})
        image.write(std::string("/.singularity.d/env/") + name, std::string("# ") + name + "\n");
    ImageMetadata metadata = image.read();
    std::vector<std::string> files;
    for (const auto& [file, content] : metadata.environment) files.push_back(file);
    CHECK(files == std::vector<std::string>{"/.singularity.d/env/10-docker2singularity.sh",
                                            "/.singularity.d/env/90-environment.sh",
                                            "/.singularity.d/env/91-environment.sh"});
    CHECK(metadata.environment["/.singularity.d/env/90-environment.sh"] == "# 90-environment.sh");
}

TEST_CASE("an image without metadata has none, and that is no error") {
    MetadataImage image;
    ImageMetadata metadata = image.read();
    CHECK(metadata.labels.empty());
    CHECK(metadata.runscript.empty());
    CHECK(metadata.environment.empty());
    CHECK(metadata.oci_manifest.empty());
    CHECK(metadata.oci_config.empty());
}

TEST_CASE("inspect's OCI manifest and config come from /.singularity.d/oci as stored, unparsed") {
    MetadataImage image;
    ::mkdir((image.root.path() + "/.singularity.d/oci").c_str(), 0755);
    image.write("/.singularity.d/oci/manifest.json", "{\"schemaVersion\": 2}\n");
    image.write("/.singularity.d/oci/config.json", "not JSON: --json refuses it, the text shows it");
    ImageMetadata metadata = image.read();
    CHECK(metadata.oci_manifest == "{\"schemaVersion\": 2}");
    CHECK(metadata.oci_config == "not JSON: --json refuses it, the text shows it");
}

TEST_CASE("labels that are not a JSON object are an error naming the file") {
    MetadataImage image;
    image.write("/.singularity.d/labels.json", "[1, 2");
    CHECK(hpc::test::error_message([&] { image.read(); }, hpc::ExitCode::data) ==
          "/.singularity.d/labels.json: not a JSON object of labels");
}
