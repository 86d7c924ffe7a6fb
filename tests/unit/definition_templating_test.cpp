// Build arguments in definition files: {{ NAME }} replacement, %arguments defaults, precedence,
// unused arguments, and the --build-arg / --build-arg-file parsers.
#include "common/error.hpp"
#include "definition/definition.hpp"

#include "definition_cases.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::image::Definition;
using hpc::image::DefinitionStage;
using hpc::image::FileCopy;
using hpc::image::KeyValues;
using hpc::image::UnusedBuildArgs;
using hpc::test::error_of;
using hpc::test::parse;
using hpc::test::single_stage;

TEST_CASE("templating: {{ NAME }} is replaced everywhere, with or without blanks inside the braces", "[definition]") {
    Definition definition = parse(
        "Bootstrap: docker\nFrom: alpine:{{VERSION}}\n%files\n  {{ SRC }} /opt/{{\tSRC\t}}\n%labels\n  Version {{  VERSION  }}\n"
        "%post\n  echo {{ VERSION }}-{{VERSION}} {{\nSRC\n}}\n",
        {{"VERSION", "3.19"}, {"SRC", "tool"}});
    REQUIRE(definition.stages.size() == 1);
    const DefinitionStage& stage = definition.stages.front();
    CHECK(stage.header_value("from") == "alpine:3.19");
    CHECK(stage.files.front().copies == std::vector<FileCopy>{{"tool", "/opt/tool", 4}});
    CHECK(stage.labels == KeyValues{{"Version", "3.19"}});
    CHECK(stage.post.body == "  echo 3.19-3.19 tool\n");
    CHECK(definition.text ==
          "Bootstrap: docker\nFrom: alpine:3.19\n%files\n  tool /opt/tool\n%labels\n  Version 3.19\n%post\n  echo 3.19-3.19 tool\n");
    CHECK(definition.warnings.empty());
}

TEST_CASE("templating: text that is no {{ NAME }} stays as written", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%post\n  echo {{ }} {{ A B }} {{ A-B }} { {A} } {{A}\n  echo {{{ A }}}\n", {{"A", "x"}});
    CHECK(stage.post.body == "  echo {{ }} {{ A B }} {{ A-B }} { {A} } {{A}\n  echo {x}\n");
}

TEST_CASE("templating: an undefined variable is an error naming it and its line", "[definition]") {
    CHECK(error_of("Bootstrap: docker\nFrom: {{ IMAGE }}\n", {}) ==
          "app.def:2: build var IMAGE is not defined through either --build-arg (--build-arg-file) or 'arguments' section");
    CHECK(error_of("Bootstrap: docker\n%post\n  echo {{ A }}\n\n  echo {{ B }}\n", {{"A", "1"}}) ==
          "app.def:5: build var B is not defined through either --build-arg (--build-arg-file) or 'arguments' section");
}

TEST_CASE("templating: %arguments gives defaults, read before the rest, wherever the section is", "[definition]") {
    Definition definition = parse(
        "Bootstrap: docker\nFrom: {{ BASE }}\n%post\n  echo {{ GREETING }} by {{ AUTHOR }}\n"
        "%arguments\n  BASE = alpine:3.19  \n\n  # AUTHOR=nobody\n  GREETING=a=b=c\n  AUTHOR=jane\n  EMPTY=\n",
        {});
    REQUIRE(definition.stages.size() == 1);
    CHECK(definition.stages[0].header_value("from") == "alpine:3.19");
    CHECK(definition.stages[0].post.body == "  echo a=b=c by jane\n");
    CHECK(definition.warnings.empty());
}

TEST_CASE("templating: a later %arguments line or section wins", "[definition]") {
    DefinitionStage stage =
        single_stage("Bootstrap: docker\n%arguments\nA=1\nA=2\n%post\necho {{ A }} {{ B }}\n%arguments\nB=3\nB=4\n", {});
    CHECK(stage.post.body == "echo 2 4\n");
}

TEST_CASE("templating: a bad %arguments line is skipped with Apptainer's warning", "[definition]") {
    Definition definition =
        parse("Bootstrap: docker\n%arguments\n  oops\n  =1\n  A=1\n%post\necho {{ A }}\n", {});
    CHECK(definition.stages.front().post.body == "echo 1\n");
    CHECK(definition.warnings ==
          std::vector<std::string>{"app.def:3: Skipping \"oops\" in 'arguments' section: \"oops\" is not a key=value pair",
                                   "app.def:4: Skipping \"=1\" in 'arguments' section: missing key portion in \"=1\""});
}

TEST_CASE("templating: build arguments win over %arguments defaults", "[definition]") {
    DefinitionStage stage =
        single_stage("Bootstrap: docker\n%arguments\nV=1.0\nW=2.0\n%post\necho {{ V }} {{ W }}\n", {{"V", "9.9"}});
    CHECK(stage.post.body == "echo 9.9 2.0\n");
}

TEST_CASE("templating: of repeated build arguments the later wins (--build-arg after --build-arg-file)", "[definition]") {
    KeyValues args = hpc::image::parse_build_arg_file("args.txt", "V=from-file\nW=file\n").values;
    KeyValues command_line = hpc::image::parse_build_args({"V=from-flag"});
    args.insert(args.end(), command_line.begin(), command_line.end());
    CHECK(single_stage("Bootstrap: docker\n%post\necho {{ V }} {{ W }}\n", args).post.body == "echo from-flag file\n");
}

TEST_CASE("templating: %arguments belong to their stage, build arguments serve every stage", "[definition]") {
    std::string text =
        "Bootstrap: docker\nFrom: {{ DEVEL }}\nStage: devel\n%arguments\n  HOME=/root\n%post\n  cd {{ HOME }}\n"
        "Bootstrap: docker\nFrom: {{ FINAL }}\n%arguments\n  FINAL=alpine:3.17\n%files from devel\n  {{ HOME }}/hello /bin/hello\n";
    CHECK(error_of(text, {{"DEVEL", "golang"}}) ==
          "app.def:13: build var HOME is not defined through either --build-arg (--build-arg-file) or 'arguments' section");
    Definition definition = parse(text, {{"DEVEL", "golang"}, {"HOME", "/home/me"}});
    REQUIRE(definition.stages.size() == 2);
    CHECK(definition.stages[0].header_value("from") == "golang");
    CHECK(definition.stages[0].post.body == "  cd /home/me\n");
    CHECK(definition.stages[1].header_value("from") == "alpine:3.17");
    CHECK(definition.stages[1].files.front().copies == std::vector<FileCopy>{{"/home/me/hello", "/bin/hello", 13}});
}

TEST_CASE("templating: a default may use another variable, resolved one level deep", "[definition]") {
    std::string text =
        "Bootstrap: docker\nFrom: {{ IMAGE }}\n%arguments\n  BASE=alpine\n  IMAGE={{ BASE }}:{{ TAG }}-{{ NONE }}\n"
        "  TAG=3.19\n";
    // The %arguments body is templated like the rest, so {{ NONE }} there must be defined too.
    CHECK(error_of(text, {}) ==
          "app.def:5: build var NONE is not defined through either --build-arg (--build-arg-file) or 'arguments' section");
    Definition definition = parse(text, {{"BASE", "debian"}, {"NONE", "n"}});
    CHECK(definition.stages.front().header_value("from") == "debian:3.19-n");
    // A %arguments value is the rest of its line, a trailing "# comment" included, and a name
    // nobody defines stays in it as written (its own line has it after a comment mark).
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%arguments\n  # IMAGE is {{ UNKNOWN }}\n  IMAGE={{ BASE }}:latest # {{ UNKNOWN }}\n"
        "  BASE=alpine\n%post\n  echo {{ IMAGE }}\n",
        {});
    CHECK(stage.post.body == "  echo alpine:latest # {{ UNKNOWN }}\n");
}

TEST_CASE("templating: comment lines keep their {{ NAME }}, as Apptainer decides them", "[definition]") {
    // Apptainer skips a placeholder when a '#' followed by anything but '!' comes before it on its
    // line (after the last replacement there): comments keep theirs, a #! line is templated.
    Definition definition = parse(
        "Bootstrap: docker\n%arguments\n  V=1\n  # V=2 {{ V }}\n%runscript\n#!/bin/{{ SHELL }}\n"
        "  # install {{ V }} and {{ UNDEFINED }}\n  apt install {{ V }}#pin {{ V }}\n  x#y {{ V }}\n  #{{ V }}\n",
        {{"SHELL", "bash"}});
    CHECK(definition.stages.front().runscript.body ==
          "#!/bin/bash\n  # install {{ V }} and {{ UNDEFINED }}\n  apt install 1#pin {{ V }}\n  x#y {{ V }}\n  #1\n");
    CHECK(definition.text.find("  # V=2 {{ V }}\n") != std::string::npos);
}

TEST_CASE("templating: a build argument no stage uses is an error by default", "[definition]") {
    CHECK(error_of("Bootstrap: docker\n%post\necho {{ A }}\n", {{"EXTRA", "1"}, {"A", "a"}, {"MORE", "2"}, {"EXTRA", "3"}},
                   ExitCode::usage) ==
          "app.def: unused build args: EXTRA MORE. Use option --warn-unused-build-args to show a warning instead of a "
          "fatal message");
    // used in a comment only is unused too
    CHECK(error_of("Bootstrap: docker\n%post\n# {{ A }}\n", {{"A", "a"}}, ExitCode::usage) ==
          "app.def: unused build args: A. Use option --warn-unused-build-args to show a warning instead of a fatal message");
}

TEST_CASE("templating: with UnusedBuildArgs::warn an unused build argument is a warning", "[definition]") {
    Definition definition = parse("Bootstrap: docker\n%post\necho {{ A }}\n", {{"A", "a"}, {"B", "b"}, {"C", "c"}},
                                  UnusedBuildArgs::warn);
    CHECK(definition.stages.front().post.body == "echo a\n");
    CHECK(definition.warnings == std::vector<std::string>{"app.def: Unused build args: B C"});
}

TEST_CASE("templating: an argument used by any stage is used", "[definition]") {
    Definition definition =
        parse("Bootstrap: docker\nStage: a\nBootstrap: docker\n%post\necho {{ LATE }}\n", {{"LATE", "x"}});
    CHECK(definition.warnings.empty());
    CHECK(definition.stages[1].post.body == "echo x\n");
}

TEST_CASE("templating: a value with blanks splits a %files line as Apptainer's does", "[definition]") {
    CHECK(single_stage("Bootstrap: docker\n%files\n  {{ SRC }}\n", {{"SRC", "a /b"}}).files.front().copies ==
          std::vector<FileCopy>{{"a", "/b", 3}});
    CHECK(single_stage("Bootstrap: docker\n%files\n  \"{{ SRC }}\"\n", {{"SRC", "a b"}}).files.front().copies ==
          std::vector<FileCopy>{{"a b", "", 3}});
}

TEST_CASE("templating: comments before the first Bootstrap are kept as written", "[definition]") {
    Definition definition = parse("# {{ A }} and #{{ B }}\nBootstrap: docker\n%post\necho {{ A }}\n", {{"A", "1"}});
    CHECK(definition.text == "# {{ A }} and #{{ B }}\nBootstrap: docker\n%post\necho 1\n");
}

// ---- --build-arg ----

TEST_CASE("build args: KEY=VALUE, both trimmed, the value may hold = and be empty", "[definition]") {
    CHECK(hpc::image::parse_build_args({"A=1", " B = two words ", "C=x=y==z", "D=", "E='  '", "F=\"\""}) ==
          KeyValues{{"A", "1"}, {"B", "two words"}, {"C", "x=y==z"}, {"D", ""}, {"E", "'  '"}, {"F", "\"\""}});
    CHECK(hpc::image::parse_build_args({}).empty());
}

TEST_CASE("build args: a value without = or without a key is a usage error", "[definition]") {
    CHECK(hpc::test::error_message([] { hpc::image::parse_build_args({"A=1", "B 2"}); }, ExitCode::usage) ==
          "--build-arg: \"B 2\" is not a key=value pair");
    CHECK(hpc::test::error_message([] { hpc::image::parse_build_args({"  =v"}); }, ExitCode::usage) ==
          "--build-arg: missing key portion in \"  =v\"");
}

// ---- --build-arg-file ----

TEST_CASE("build arg file: KEY=VALUE lines, blank lines and comments skipped, CRLF accepted", "[definition]") {
    hpc::image::BuildArgFile file =
        hpc::image::parse_build_arg_file("args.txt", "HOME=/root\r\n\r\n# a comment\n   \n  # indented=comment\nDEMO=demo=with==signs\nHOME = /home/me");
    CHECK(file.values == KeyValues{{"HOME", "/root"}, {"DEMO", "demo=with==signs"}, {"HOME", "/home/me"}});
    CHECK(file.warnings.empty());
}

TEST_CASE("build arg file: a bad line is skipped with Apptainer's warning", "[definition]") {
    hpc::image::BuildArgFile file = hpc::image::parse_build_arg_file("args.txt", "A=1\nnot a pair\n =x\nB=2\n");
    CHECK(file.values == KeyValues{{"A", "1"}, {"B", "2"}});
    CHECK(file.warnings == std::vector<std::string>{
                               "args.txt:2: Skipping \"not a pair\" in build arg file: \"not a pair\" is not a key=value pair",
                               "args.txt:3: Skipping \" =x\" in build arg file: missing key portion in \" =x\""});
    CHECK(hpc::image::parse_build_arg_file("args.txt", "").values.empty());
}
