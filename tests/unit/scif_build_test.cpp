// SCIF apps laid out in a stage's tree (builder/scif_apps.hpp) as Apptainer's apps.go lays them
// out, file by file, the %appinstall script, and the same tree read back as inspect reads it
// (image/tree/image_metadata.hpp: list_apps, read_app_metadata).
#include "builder/scif_apps.hpp"
#include "definition/definition.hpp"
#include "image/tree/image_file.hpp"
#include "image/tree/image_metadata.hpp"
#include "image/tree/image_tree.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using hpc::builder::app_install_script;
using hpc::builder::lay_out_apps;
using hpc::test::TempDir;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    REQUIRE(file);
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

unsigned mode_of(const std::string& path) {
    struct stat status {};
    REQUIRE(::lstat(path.c_str(), &status) == 0);
    return status.st_mode & 07777;
}

bool is_directory(const std::string& path) { return std::filesystem::is_directory(path); }

// The apps of Apptainer's user guide, foo with a file from the host and a test, bar without a
// runscript; `host` holds foo.txt.
hpc::image::DefinitionStage guide_stage(const std::string& host) {
    std::string text = "Bootstrap: scratch\n"
                       "%apprun foo\n    exec echo \"RUNNING FOO\"\n"
                       "%applabels foo\n   BESTAPP FOO\n"
                       "%appinstall foo\n   touch foo.exec\n"
                       "%appenv foo\n    SOFTWARE=foo\n    export SOFTWARE\n"
                       "%apphelp foo\n    This is the help for foo.\n"
                       "%apptest foo\n    test -f foo.exec\n"
                       "%appstart foo\n    serve\n"
                       "%appfiles foo\n   " + host + "/foo.txt data/foo.txt\n"
                       "%apphelp bar\n    This is the help for bar.\n"
                       "%applabels bar\n   BESTAPP BAR\n   SCIF_APP_NAME renamed\n"
                       "%appinstall bar\n    touch bar.exec\n";
    return hpc::image::parse_definition(text, "apps.def", {}).stages.at(0);
}

}  // namespace

TEST_CASE("scif build: each app's folders and files, as Apptainer's apps.go writes them", "[scif]") {
    TempDir host("hpc-scif-host");
    hpc::test::write_host_file(host.path() + "/foo.txt", "from the host\n");
    TempDir tree("hpc-scif-tree");
    const std::string root = tree.path();
    lay_out_apps(root, guide_stage(host.path()));

    for (const char* directory : {"/scif/apps/foo/bin", "/scif/apps/foo/lib", "/scif/apps/foo/scif/env",
                                  "/scif/data/foo/input", "/scif/data/foo/output", "/scif/apps/bar/bin",
                                  "/scif/apps/bar/lib", "/scif/apps/bar/scif/env", "/scif/data/bar/input",
                                  "/scif/data/bar/output"}) {
        INFO(directory);
        CHECK(is_directory(root + directory));
    }
    const std::string foo = root + "/scif/apps/foo/scif/";
    CHECK(read_text(foo + "runscript") == "#!/bin/sh\n\n    exec echo \"RUNNING FOO\"\n\n");
    CHECK(mode_of(foo + "runscript") == 0755);
    CHECK(read_text(foo + "test") == "#!/bin/sh\n\n    test -f foo.exec\n\n");
    CHECK(mode_of(foo + "test") == 0755);
    CHECK(read_text(foo + "startscript") == "#!/bin/sh\n\n    serve\n\n");
    CHECK(read_text(foo + "runscript.help") == "    This is the help for foo.\n");
    CHECK(mode_of(foo + "runscript.help") == 0644);
    CHECK(read_text(foo + "env/90-environment.sh") == "    SOFTWARE=foo\n    export SOFTWARE\n");
    CHECK(mode_of(foo + "env/90-environment.sh") == 0755);
    CHECK(read_text(foo + "labels.json") == "{\n\t\"BESTAPP\": \"FOO\",\n\t\"SCIF_APP_NAME\": \"foo\"\n}");
    CHECK(mode_of(foo + "labels.json") == 0644);
    CHECK(read_text(foo + "env/01-base.sh") ==
          "#!/bin/sh\n# The SCIF variables of the app foo, sourced when it is active.\n"
          "SCIF_APPNAME=\"foo\"\nSCIF_APPS=\"/scif/apps\"\nSCIF_APPROOT=\"/scif/apps/foo\"\n"
          "SCIF_APPMETA=\"/scif/apps/foo/scif\"\nSCIF_APPBIN=\"/scif/apps/foo/bin\"\nSCIF_APPLIB=\"/scif/apps/foo/lib\"\n"
          "SCIF_DATA=\"/scif/data\"\nSCIF_APPDATA=\"/scif/data/foo\"\nSCIF_APPINPUT=\"/scif/data/foo/input\"\n"
          "SCIF_APPOUTPUT=\"/scif/data/foo/output\"\n"
          "export SCIF_APPNAME SCIF_APPS SCIF_APPROOT SCIF_APPMETA SCIF_APPBIN SCIF_APPLIB SCIF_DATA SCIF_APPDATA "
          "SCIF_APPINPUT SCIF_APPOUTPUT\n");
    CHECK(read_text(root + "/scif/apps/foo/data/foo.txt") == "from the host\n");
    // bar: no runscript, test, startscript or environment; %applabels may replace SCIF_APP_NAME.
    const std::string bar = root + "/scif/apps/bar/scif/";
    for (const char* missing : {"runscript", "test", "startscript", "env/90-environment.sh"}) {
        INFO(missing);
        CHECK_FALSE(std::filesystem::exists(bar + missing));
    }
    CHECK(read_text(bar + "labels.json") == "{\n\t\"BESTAPP\": \"BAR\",\n\t\"SCIF_APP_NAME\": \"renamed\"\n}");
}

TEST_CASE("scif build: 94-appsbase.sh names every app in the tree, a base image's too", "[scif]") {
    TempDir host("hpc-scif-host");
    hpc::test::write_host_file(host.path() + "/foo.txt", "x\n");
    TempDir tree("hpc-scif-tree");
    const std::string root = tree.path();
    std::filesystem::create_directories(root + "/scif/apps/my-base/scif");  // from the base image
    std::filesystem::create_directories(root + "/scif/apps/not-an-app");    // no scif/ in it
    lay_out_apps(root, guide_stage(host.path()));
    const std::string script = root + "/.singularity.d/env/94-appsbase.sh";
    CHECK(mode_of(script) == 0755);
    CHECK(read_text(script) ==
          "#!/bin/sh\n# Every SCIF app's folders, for every launch.\n"
          "\n# bar\n"
          "SCIF_APPDATA_bar=\"/scif/data/bar\"\nSCIF_APPMETA_bar=\"/scif/apps/bar/scif\"\n"
          "SCIF_APPROOT_bar=\"/scif/apps/bar\"\nSCIF_APPBIN_bar=\"/scif/apps/bar/bin\"\n"
          "SCIF_APPLIB_bar=\"/scif/apps/bar/lib\"\nSCIF_APPLABELS_bar=\"/scif/apps/bar/scif/labels.json\"\n"
          "export SCIF_APPDATA_bar SCIF_APPMETA_bar SCIF_APPROOT_bar SCIF_APPBIN_bar SCIF_APPLIB_bar SCIF_APPLABELS_bar\n"
          "\n# foo\n"
          "SCIF_APPDATA_foo=\"/scif/data/foo\"\nSCIF_APPMETA_foo=\"/scif/apps/foo/scif\"\n"
          "SCIF_APPROOT_foo=\"/scif/apps/foo\"\nSCIF_APPBIN_foo=\"/scif/apps/foo/bin\"\n"
          "SCIF_APPLIB_foo=\"/scif/apps/foo/lib\"\nSCIF_APPENV_foo=\"/scif/apps/foo/scif/env/90-environment.sh\"\n"
          "SCIF_APPLABELS_foo=\"/scif/apps/foo/scif/labels.json\"\nSCIF_APPRUN_foo=\"/scif/apps/foo/scif/runscript\"\n"
          "SCIF_APPSTART_foo=\"/scif/apps/foo/scif/startscript\"\n"
          "export SCIF_APPDATA_foo SCIF_APPMETA_foo SCIF_APPROOT_foo SCIF_APPBIN_foo SCIF_APPLIB_foo SCIF_APPENV_foo "
          "SCIF_APPLABELS_foo SCIF_APPRUN_foo SCIF_APPSTART_foo\n"
          "\n# my-base\n"
          "SCIF_APPDATA_my_base=\"/scif/data/my-base\"\nSCIF_APPMETA_my_base=\"/scif/apps/my-base/scif\"\n"
          "SCIF_APPROOT_my_base=\"/scif/apps/my-base\"\nSCIF_APPBIN_my_base=\"/scif/apps/my-base/bin\"\n"
          "SCIF_APPLIB_my_base=\"/scif/apps/my-base/lib\"\n"
          "export SCIF_APPDATA_my_base SCIF_APPMETA_my_base SCIF_APPROOT_my_base SCIF_APPBIN_my_base SCIF_APPLIB_my_base\n");
}

TEST_CASE("scif build: a stage without apps leaves the tree as it was", "[scif]") {
    TempDir tree("hpc-scif-tree");
    lay_out_apps(tree.path(), hpc::image::parse_definition("Bootstrap: scratch\n%post\nx\n", "a.def", {}).stages.at(0));
    CHECK(std::filesystem::is_empty(tree.path()));
}

TEST_CASE("scif build: %appinstall follows %post, each in its app's folder after its 01-base.sh", "[scif]") {
    TempDir host("hpc-scif-host");
    CHECK(app_install_script(guide_stage(host.path())) ==
          "\n# %appinstall foo\ncd /\n. /scif/apps/foo/scif/env/01-base.sh\ncd /scif/apps/foo\n   touch foo.exec\ncd /\n"
          "\n# %appinstall bar\ncd /\n. /scif/apps/bar/scif/env/01-base.sh\ncd /scif/apps/bar\n    touch bar.exec\ncd /\n");
    CHECK(app_install_script(
              hpc::image::parse_definition("Bootstrap: scratch\n%apprun a\nx\n", "a.def", {}).stages.at(0))
              .empty());
}

TEST_CASE("scif build: inspect reads the apps back: the list, and each app's parts", "[scif]") {
    TempDir host("hpc-scif-host");
    hpc::test::write_host_file(host.path() + "/foo.txt", "x\n");
    TempDir tree("hpc-scif-tree");
    lay_out_apps(tree.path(), guide_stage(host.path()));
    hpc::image::ImageFile image = hpc::image::ImageFile::open(tree.path());
    std::unique_ptr<hpc::image::ImageTree> files = hpc::image::open_tree(image);
    CHECK(hpc::image::list_apps(*files) == std::vector<std::string>{"bar", "foo"});
    std::optional<hpc::image::AppMetadata> foo = hpc::image::read_app_metadata(*files, "foo");
    REQUIRE(foo);
    CHECK(foo->labels == std::map<std::string, std::string>{{"BESTAPP", "FOO"}, {"SCIF_APP_NAME", "foo"}});
    CHECK(foo->runscript == "#!/bin/sh\n\n    exec echo \"RUNNING FOO\"");
    CHECK(foo->startscript == "#!/bin/sh\n\n    serve");
    CHECK(foo->test == "#!/bin/sh\n\n    test -f foo.exec");
    CHECK(foo->helpfile == "    This is the help for foo.");
    CHECK(foo->environment ==
          std::map<std::string, std::string>{{"/scif/apps/foo/scif/env/90-environment.sh", "    SOFTWARE=foo\n    export SOFTWARE"}});
    std::optional<hpc::image::AppMetadata> bar = hpc::image::read_app_metadata(*files, "bar");
    REQUIRE(bar);
    CHECK(bar->runscript.empty());
    CHECK(bar->environment.empty());
    CHECK_FALSE(hpc::image::read_app_metadata(*files, "baz"));
    CHECK_FALSE(hpc::image::read_app_metadata(*files, "../scif/apps/foo"));
}
