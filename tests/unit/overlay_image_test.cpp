// The pure parts of hpc overlay create: --create-dir's paths under the overlay's upper/, joined
// as Apptainer joins them (filepath.Join cleans the path) and refused where they would leave
// upper/; and where mke2fs is looked for.
#include "builder/mke2fs.hpp"
#include "builder/overlay_image.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>

using hpc::builder::overlay_directory_path;

TEST_CASE("overlay directories: cleaned as filepath.Join cleans them", "[overlay_image]") {
    CHECK(overlay_directory_path("opt") == "opt");
    CHECK(overlay_directory_path("/opt/app") == "opt/app");  // absolute: from upper/
    CHECK(overlay_directory_path("opt//./app/") == "opt/app");
    CHECK(overlay_directory_path("opt/x/../app") == "opt/app");
    CHECK(overlay_directory_path("a/..") == "");  // upper/ itself
    CHECK(overlay_directory_path("/") == "");
    CHECK(overlay_directory_path("..a/b..") == "..a/b..");  // names, not ".."
}

TEST_CASE("overlay directories: leaving upper/, empty, too long: usage errors", "[overlay_image]") {
    using hpc::test::error_message;
    CHECK(error_message([] { overlay_directory_path("../x"); }) ==
          "--create-dir '../x': leaves the overlay's upper/ directory");
    CHECK(error_message([] { overlay_directory_path("/a/../../upperx"); }) ==
          "--create-dir '/a/../../upperx': leaves the overlay's upper/ directory");
    CHECK(error_message([] { overlay_directory_path(""); }) == "--create-dir '': an empty path");
    CHECK(error_message([] { overlay_directory_path("a/" + std::string(256, 'n')); }).ends_with(
        ": a name longer than 255 bytes"));
    CHECK(error_message([] { overlay_directory_path(std::string(4097, 'd')); }).ends_with(": longer than 4096 bytes"));
    CHECK(overlay_directory_path(std::string(255, 'n')) == std::string(255, 'n'));
}

TEST_CASE("overlay image: mke2fs from PATH's absolute entries, then the system's directories", "[overlay_image]") {
    using hpc::builder::find_mke2fs;
    hpc::test::TempDir dir;
    const std::string bin = dir.path() + "/bin", sbin = dir.path() + "/sbin", empty = dir.path() + "/empty";
    for (const std::string& folder : {bin, sbin, empty, empty + "/mke2fs"}) REQUIRE(::mkdir(folder.c_str(), 0755) == 0);
    hpc::test::write_host_file(bin + "/mke2fs", "#!/bin/sh\n", 0755);
    hpc::test::write_host_file(sbin + "/mke2fs", "#!/bin/sh\n", 0755);
    CHECK(find_mke2fs(empty + ":" + bin, {sbin}) == bin + "/mke2fs");  // a directory named mke2fs passed by
    CHECK(find_mke2fs("/nonexistent:" + empty, {empty, sbin}) == sbin + "/mke2fs");
    hpc::Error error = hpc::test::thrown_error([&] { find_mke2fs(empty + "::" + empty + "/mke2fs", {empty}); });
    CHECK(error.code() == hpc::ExitCode::unavailable);
    CHECK(std::string(error.what()) ==
          "mke2fs not found (in PATH, " + empty + "): install e2fsprogs to make ext3 overlay images");
}
