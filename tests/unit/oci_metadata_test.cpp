// What a build from an OCI image writes into /.singularity.d, its scripts run by real shells
// (dash, busybox sh, bash as sh, bash: action_script_harness.hpp): the runscript with and
// without arguments, the Env script sourced with host values, labels.json, the stored manifest
// and config, and a tree whose layers made /.singularity.d a link.
#include "action_script_harness.hpp"
#include "builder/oci_metadata.hpp"
#include "sandbox/environment/known_scripts.hpp"
#include "sandbox/environment/shell_syntax.hpp"
#include "thrown_error.hpp"

#include <sys/stat.h>

using hpc::builder::write_oci_metadata;
using OciImage = hpc::image::oci::Image;
using namespace hpc::test::action_script;

namespace {

const std::string meta = "/.singularity.d";

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

OciImage image_running(std::vector<std::string> entrypoint, std::vector<std::string> cmd) {
    OciImage image;
    image.run.entrypoint = std::move(entrypoint);
    image.run.cmd = std::move(cmd);
    return image;
}

// The tree's runscript run by `shell` with `args`, with a HOME that an evaluated "$HOME" would show.
Outcome run_runscript(const Shell& shell, const TempDir& tree, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {shell.argv0, tree.path() + meta + "/runscript"};
    argv.insert(argv.end(), args.begin(), args.end());
    return spawn(shell.path, argv, {"HOME=/home/evaluated", "PATH=/usr/bin:/bin"}, tree.path());
}

// `script` run by `shell` after sourcing the tree's Env script, with `host` as its environment.
Outcome after_environment(const Shell& shell, const TempDir& tree, const std::vector<std::string>& host,
                          const std::string& script) {
    std::string sourced = tree.path() + meta + "/env/10-docker2singularity.sh";
    return spawn(shell.path, {shell.argv0, "-c", ". " + hpc::sandbox::single_quoted(sourced) + "\n" + script}, host, tree.path());
}

}  // namespace

TEST_CASE("oci runscript: Entrypoint then Cmd, each word as written, arguments replace Cmd", "[oci-metadata]") {
    TempDir tree;
    write_oci_metadata(tree.path(), image_running({"/bin/echo", "a b", "$HOME", "it's", "`x`"}, {"c \"d\"", "$(e)"}));
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome plain = run_runscript(shell, tree, {});
        CHECK(plain.status == 0);
        CHECK(plain.err.empty());
        CHECK(plain.out == "a b $HOME it's `x` c \"d\" $(e)\n");
        Outcome with_args = run_runscript(shell, tree, {"x  y", "$HOME", "'q'", "line\nbreak"});
        CHECK(with_args.status == 0);
        CHECK(with_args.out == "a b $HOME it's `x` x  y $HOME 'q' line\nbreak\n");
    }
}

TEST_CASE("oci runscript: Entrypoint alone takes the arguments after it", "[oci-metadata]") {
    TempDir tree;
    write_oci_metadata(tree.path(), image_running({"/bin/echo", "entry\npoint"}, {}));
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(run_runscript(shell, tree, {}).out == "entry\npoint\n");
        CHECK(run_runscript(shell, tree, {"1", "2 3"}).out == "entry\npoint 1 2 3\n");
    }
}

TEST_CASE("oci runscript: Cmd alone runs, and arguments replace it whole", "[oci-metadata]") {
    TempDir tree;
    write_oci_metadata(tree.path(), image_running({}, {"/bin/echo", "from cmd"}));
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(run_runscript(shell, tree, {}).out == "from cmd\n");
        CHECK(run_runscript(shell, tree, {"/bin/echo", "from", "$args"}).out == "from $args\n");
    }
}

TEST_CASE("oci runscript: neither Entrypoint nor Cmd runs the arguments, and without any says why", "[oci-metadata]") {
    TempDir tree;
    write_oci_metadata(tree.path(), image_running({}, {}));
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome nothing = run_runscript(shell, tree, {});
        CHECK(nothing.status == 1);
        CHECK(nothing.out.empty());
        CHECK(nothing.err == "hpc: the image has no Entrypoint or Cmd: give the command to run after the image\n");
        CHECK(run_runscript(shell, tree, {"/bin/echo", "given"}).out == "given\n");
    }
}

TEST_CASE("oci env script: PATH outright, other values defaults that a set host value overrides", "[oci-metadata]") {
    TempDir tree;
    OciImage image;
    image.run.env = {"PATH=/opt/app/bin:/usr/bin:/bin",
                     "ODD=it's \"$HOME\" `id` $(id) \\n\nsecond line",
                     "FROM_HOST=image",
                     "EMPTY_ON_HOST=image",
                     "NO_VALUE",
                     "WITH_EQUALS=a=b",
                     "not-a-name=x",
                     "LAST="};
    write_oci_metadata(tree.path(), image);
    CHECK(read_text(tree.path() + meta + "/env/10-docker2singularity.sh").find("not-a-name") == std::string::npos);
    const std::vector<std::string> host = {"PATH=/host/bin", "HOME=/home/evaluated", "FROM_HOST=host", "EMPTY_ON_HOST="};
    const std::string print =
        "printf '%s|' \"$PATH\" \"$ODD\" \"$FROM_HOST\" \"$EMPTY_ON_HOST\" \"${NO_VALUE-unset}\" \"$WITH_EQUALS\" "
        "\"${LAST-unset}\"\n"
        "/usr/bin/printenv FROM_HOST EMPTY_ON_HOST WITH_EQUALS\n"
        "/usr/bin/printenv | /usr/bin/grep -c -e '^NO_VALUE=$' -e '^LAST=$'\n";
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome outcome = after_environment(shell, tree, host, print);
        CHECK(outcome.err.empty());
        CHECK(outcome.status == 0);
        CHECK(outcome.out ==
              "/opt/app/bin:/usr/bin:/bin|it's \"$HOME\" `id` $(id) \\n\nsecond line|host|image||a=b||"
              "host\nimage\na=b\n2\n");
    }
}

TEST_CASE("oci env script: a launch knows it as hpc's and reads its entries back without a shell", "[oci-metadata]") {
    TempDir tree;
    OciImage image;
    image.run.env = {"PATH=/opt/app/bin", "ODD=it's\nx", "NO_VALUE", "not-a-name=x", "LAST="};
    write_oci_metadata(tree.path(), image);
    std::optional<KnownScript> known = recognise_script(
        "10-docker2singularity.sh", read_text(tree.path() + meta + "/env/10-docker2singularity.sh"));
    REQUIRE(known);
    CHECK(known->entries == std::vector<DockerEnvEntry>{{"PATH", "/opt/app/bin", false},
                                                         {"ODD", "it's\nx", true},
                                                         {"NO_VALUE", "", true},
                                                         {"LAST", "", true}});
}

TEST_CASE("oci metadata: labels.json, the stored manifest and config, and the files' modes", "[oci-metadata]") {
    TempDir tree;
    OciImage image;
    image.manifest_json = "{\"schemaVersion\":2}\n";
    image.config_json = "{ \"config\": {} }";
    image.run.labels = {{"maintainer", "someone \"quoted\""}, {"org.opencontainers.image.title", "app"}};
    write_oci_metadata(tree.path(), image);
    const std::string root = tree.path() + meta;
    CHECK(read_text(root + "/labels.json") ==
          "{\n\t\"maintainer\": \"someone \\\"quoted\\\"\",\n\t\"org.opencontainers.image.title\": \"app\"\n}");
    CHECK(read_text(root + "/oci/manifest.json") == image.manifest_json);
    CHECK(read_text(root + "/oci/config.json") == image.config_json);
    CHECK(mode_of(root + "/runscript") == 0755);
    CHECK(mode_of(root + "/env/10-docker2singularity.sh") == 0755);
    for (const char* file : {"/labels.json", "/oci/manifest.json", "/oci/config.json"}) CHECK(mode_of(root + file) == 0644);
    for (const char* directory : {"", "/env", "/oci"}) CHECK(mode_of(root + directory) == 0755);
}

TEST_CASE("oci metadata: no labels is an empty object, and earlier files are replaced", "[oci-metadata]") {
    TempDir tree;
    tree.write(".singularity.d/labels.json", "{\"from.a.layer\": \"x\"}");
    tree.write(".singularity.d/runscript", "#!/bin/sh\necho old\n", 0700);
    write_oci_metadata(tree.path(), image_running({"/bin/echo", "new"}, {}));
    CHECK(read_text(tree.path() + meta + "/labels.json") == "{}");
    CHECK(mode_of(tree.path() + meta + "/runscript") == 0755);
    CHECK(run_runscript(shells().front(), tree, {}).out == "new\n");
}

TEST_CASE("oci metadata: links the layers made lead inside the tree, never to the host", "[oci-metadata]") {
    TempDir tree;
    TempDir host;  // what an absolute link would reach if it were followed on the host
    REQUIRE(::symlink(host.path().c_str(), (tree.path() + meta).c_str()) == 0);
    std::string inside = tree.path() + host.path();  // where the link leads within the tree
    std::filesystem::create_directories(inside);
    std::string victim = host.path() + "/victim";
    REQUIRE(::symlink(victim.c_str(), (inside + "/runscript").c_str()) == 0);
    write_oci_metadata(tree.path(), image_running({"/bin/echo"}, {}));
    CHECK(std::filesystem::is_empty(host.path()));
    CHECK(std::filesystem::is_regular_file(inside + "/runscript"));
    CHECK(std::filesystem::is_regular_file(inside + "/env/10-docker2singularity.sh"));
    CHECK(std::filesystem::is_regular_file(inside + "/oci/config.json"));
    CHECK(!std::filesystem::exists(tree.path() + victim));
}

TEST_CASE("oci metadata: a NUL byte no shell can hold is refused, and nothing is written", "[oci-metadata]") {
    TempDir tree;
    OciImage image = image_running({"/bin/echo"}, {std::string("a\0b", 3)});
    std::string message = hpc::test::error_message([&] { write_oci_metadata(tree.path(), image); }, hpc::ExitCode::data);
    CHECK(message == "image config: Cmd element 1 holds a NUL byte, which no shell can pass on");
    CHECK(!std::filesystem::exists(tree.path() + meta));
}
