// The definition-file parser, rule by rule: header, sections, %files, %labels, stages, errors.
// Apptainer's own parser test cases are in definition_apptainer_cases_test.cpp, build arguments
// in definition_templating_test.cpp.
#include "common/error.hpp"
#include "definition/definition.hpp"

#include "definition_cases.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::image::Definition;
using hpc::image::DefinitionStage;
using hpc::image::FileCopy;
using hpc::image::FilesSection;
using hpc::image::KeyValues;
using hpc::image::Script;
using hpc::test::error_of;
using hpc::test::parse;
using hpc::test::single_stage;

// ---- header ----

TEST_CASE("definition: header keys are lowercased and kept in order, values trimmed", "[definition]") {
    DefinitionStage stage = single_stage("BootStrap:   docker  \nFROM:\talpine:3.19\t\nIncludeCmd: yes\n");
    CHECK(stage.header == KeyValues{{"bootstrap", "docker"}, {"from", "alpine:3.19"}, {"includecmd", "yes"}});
    CHECK(stage.header_line == 1);
    CHECK(stage.header_value("from") == "alpine:3.19");
    CHECK(stage.header_value("stage").empty());
    CHECK(stage.name.empty());
}

TEST_CASE("definition: a header value keeps its colons, only the first one separates", "[definition]") {
    DefinitionStage stage = single_stage("Bootstrap: docker\nFrom: docker://registry.example:5000/img:v1\n");
    CHECK(stage.header_value("from") == "docker://registry.example:5000/img:v1");
}

TEST_CASE("definition: comment and blank lines in the header, a trailing # comment ends the value", "[definition]") {
    DefinitionStage stage = single_stage(
        "# built nightly\n\n   # indented comment\nBootstrap: library   # the Sylabs library\n\nFrom: alpine#latest\n");
    CHECK(stage.header == KeyValues{{"bootstrap", "library"}, {"from", "alpine"}});
    CHECK(stage.header_line == 4);
}

TEST_CASE("definition: a repeated header key keeps its place and its last value", "[definition]") {
    DefinitionStage stage = single_stage("Bootstrap: docker\nFrom: a\nStage: s\nfrom: b\n");
    CHECK(stage.header == KeyValues{{"bootstrap", "docker"}, {"from", "b"}, {"stage", "s"}});
}

TEST_CASE("definition: every header keyword Apptainer knows is accepted", "[definition]") {
    for (const char* key : {"from", "includecmd", "mirrorurl", "updateurl", "osversion", "include", "library",
                            "registry", "namespace", "stage", "product", "user", "regcode", "productpgp", "registerurl",
                            "modules", "fingerprints", "confurl", "setopt", "target", "frontend", "filename", "buildargs",
                            "otherurl0", "OtherURL1", "otherurl42"}) {
        INFO(key);
        DefinitionStage stage = single_stage(std::string("Bootstrap: yum\n") + key + ": value\n");
        REQUIRE(stage.header.size() == 2);
        CHECK(stage.header[1].second == "value");
    }
}

constexpr const char* fingerprints_refused =
    "Fingerprints: hpc cannot verify a base image's signatures (signing is not in hpc yet): remove the header to "
    "build without the check";

TEST_CASE("definition: Fingerprints: is refused where Apptainer would check a SIF base image's signatures",
          "[definition]") {
    for (const char* bootstrap : {"localimage", "LocalImage", "oras", "library", "shub"}) {
        INFO(bootstrap);
        CHECK(error_of(std::string("Bootstrap: ") + bootstrap + "\nFrom: base\nFingerprints: AAAA1111\n") ==
              std::string("app.def:3: ") + fingerprints_refused);
    }
    CHECK(error_of("Bootstrap: localimage\nFingerprints: AAAA1111, BBBB2222 # two keys\nFrom: base.sif\n") ==
          std::string("app.def:2: ") + fingerprints_refused);
    CHECK(error_of("Bootstrap: localimage\nFrom: base.sif\nFingerprints: ,\n") ==
          std::string("app.def:3: ") + fingerprints_refused);
    CHECK(error_of("Bootstrap: localimage\nFrom: a.sif\nFingerprints: A\nFingerprints: B\n") ==
          std::string("app.def:4: ") + fingerprints_refused);
    CHECK(error_of("Bootstrap: docker\nFrom: a\n\nBootstrap: oras\nFrom: oras://r/b\nFingerprints: A\n") ==
          std::string("app.def:6: ") + fingerprints_refused);
}

TEST_CASE("definition: an empty Fingerprints: asks for no check, as in Apptainer", "[definition]") {
    for (const char* value : {"", "   ", " # none yet"}) {
        INFO(value);
        Definition definition = parse(std::string("Bootstrap: localimage\nFrom: base.sif\nFingerprints:") + value + "\n");
        CHECK(definition.stages.front().header_value("fingerprints").empty());
        CHECK(definition.warnings.empty());
    }
}

TEST_CASE("definition: Fingerprints: of another bootstrap is ignored as Apptainer does, with a warning",
          "[definition]") {
    Definition definition = parse("Bootstrap: Docker\nFrom: alpine\nFingerprints: AAAA1111\n");
    CHECK(definition.stages.front().header_value("fingerprints") == "AAAA1111");
    CHECK(definition.warnings ==
          std::vector<std::string>{"app.def:3: Fingerprints: ignored for Bootstrap: docker, as Apptainer ignores it "
                                   "(it checks the signatures of a SIF base image alone)"});
}

TEST_CASE("definition: an unknown header keyword is an error naming it, lowercased", "[definition]") {
    CHECK(error_of("Bootstrap: docker\nFrom: alpine\nMaintainer: me\n") ==
          "app.def:3: invalid header keyword found: maintainer");
    CHECK(error_of("Bootstrap: docker\notherurl: x\n") == "app.def:2: invalid header keyword found: otherurl");
    CHECK(error_of("Bootstrap: docker\notherurlA: x\n") == "app.def:2: invalid header keyword found: otherurla");
    CHECK(error_of("Bootstrap: docker\nfrom1: x\n") == "app.def:2: invalid header keyword found: from1");
    CHECK(error_of("Bootstrap: docker\nMirror URL: x\n") == "app.def:2: invalid header keyword found: mirror url");
}

TEST_CASE("definition: a header line without a colon is a key without a value", "[definition]") {
    CHECK(error_of("Bootstrap: docker\nalpine\n") == "app.def:2: header key alpine had no val");
    CHECK(error_of("Bootstrap: docker\nFrom alpine # no colon\n") == "app.def:2: header key From alpine had no val");
}

TEST_CASE("definition: an empty header value is kept, but Bootstrap needs one", "[definition]") {
    CHECK(single_stage("Bootstrap: debootstrap\nInclude:\n").header_value("include").empty());
    CHECK(error_of("Bootstrap:\nFrom: alpine\n") == "app.def:1: no bootstrap specification found");
    CHECK(error_of("Bootstrap: # none\n") == "app.def:1: no bootstrap specification found");
}

TEST_CASE("definition: a backslash continues a header value, a literal backslash-n before it is a newline", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: zupper\n"
        "ProductPGP: -----BEGIN KEY-----\\n\\\n"
        "   line one\\n\\\n"
        "\\n\\\n"
        "line two \\\n"
        "end\n"
        "Include: pkg\n");
    CHECK(stage.header_value("productpgp") == "-----BEGIN KEY-----\nline one\n\nline two end");
    CHECK(stage.header_value("include") == "pkg");
}

TEST_CASE("definition: a continued header value ends at a blank line, a comment or the header's end", "[definition]") {
    // Apptainer crashes on the first two and drops the last; hpc keeps what was read.
    CHECK(single_stage("Bootstrap: docker\nFrom: a\\\n\nInclude: b\n").header ==
          KeyValues{{"bootstrap", "docker"}, {"from", "a"}, {"include", "b"}});
    CHECK(single_stage("Bootstrap: docker\nFrom: a\\\n# note\n").header_value("from") == "a");
    CHECK(single_stage("Bootstrap: docker\nFrom: a\\\n%post\n").header_value("from") == "a");
    // the key of a continued entry is checked when it ends, on its first line
    CHECK(error_of("Bootstrap: docker\nColour: a\\\nb\n") == "app.def:2: invalid header keyword found: colour");
}

// ---- sections ----

TEST_CASE("definition: section bodies keep their lines as written, each ending with a newline", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\nFrom: alpine\n\n%post\n    apk add gcc\n\n\t# a comment stays\n  make \\\n    install\n"
        "%runscript\nexec \"$@\"");
    CHECK(stage.post == Script{"    apk add gcc\n\n\t# a comment stays\n  make \\\n    install\n", "", 4});
    CHECK(stage.runscript == Script{"exec \"$@\"\n", "", 10});
}

TEST_CASE("definition: every script section lands in its field", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%pre\npre\n%setup\nsetup\n%post\npost\n%environment\nexport A=1\n%runscript\nrun\n"
        "%startscript\nstart\n%test\ntest\n%help\nhelp text\n");
    CHECK(stage.pre == Script{"pre\n", "", 2});
    CHECK(stage.setup == Script{"setup\n", "", 4});
    CHECK(stage.post == Script{"post\n", "", 6});
    CHECK(stage.environment == Script{"export A=1\n", "", 8});
    CHECK(stage.runscript == Script{"run\n", "", 10});
    CHECK(stage.startscript == Script{"start\n", "", 12});
    CHECK(stage.test == Script{"test\n", "", 14});
    CHECK(stage.help == Script{"help text\n", "", 16});
}

TEST_CASE("definition: an absent section is empty with line 0, an empty one has its line", "[definition]") {
    DefinitionStage stage = single_stage("Bootstrap: docker\n%post\n%test\n");
    CHECK(stage.post == Script{"", "", 2});
    CHECK(stage.test == Script{"", "", 3});
    CHECK(stage.runscript == Script{});
    CHECK(stage.files.empty());
    CHECK(stage.labels.empty());
}

TEST_CASE("definition: section names are case-insensitive and may be indented", "[definition]") {
    DefinitionStage stage = single_stage("Bootstrap: docker\n%POST\none\n  %Post\ntwo\n\t%RunScript\nrun\n");
    CHECK(stage.post.body == "one\ntwo\n");
    CHECK(stage.runscript.body == "run\n");
}

TEST_CASE("definition: any line whose first word starts with % starts a section, as in Apptainer", "[definition]") {
    CHECK(error_of("Bootstrap: docker\n%post\n    printf '%s' x\n    %{rpm_macro}\n") ==
          "app.def:4: invalid section(s) specified: {rpm_macro}");
}

TEST_CASE("definition: repeated sections are joined in file order", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%post\na\n\n%environment\nexport A=1\n%post\nb\n%environment\nexport B=2\n");
    CHECK(stage.post == Script{"a\n\nb\n", "", 2});
    CHECK(stage.environment.body == "export A=1\nexport B=2\n");
}

TEST_CASE("definition: section arguments, without a trailing comment, later ones replace earlier ones",
          "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%post -c /bin/bash   # bash, please\nx\n%runscript\t-x\ny\n%post\nz\n");
    CHECK(stage.post == Script{"x\nz\n", "-c /bin/bash", 2});
    CHECK(stage.runscript.args == "-x");
    CHECK(single_stage("Bootstrap: docker\n%post -e\n%post -c /bin/sh\n").post.args == "-c /bin/sh");
    CHECK(single_stage("Bootstrap: docker\n%post #only a comment\nx\n").post.args.empty());
}

TEST_CASE("definition: %pre, %setup and %post -c without a shell after it are refused at their line", "[definition]") {
    for (std::string section : {"pre", "setup", "post"}) {
        INFO(section);
        std::string refusal =
            "bad %" + section + " section '-c' parameter: missing arguments (-c needs a shell, e.g. -c /bin/bash)";
        CHECK(error_of("Bootstrap: docker\n\n%" + section + " -c\nx\n") == "app.def:3: " + refusal);
        // After other options, before a comment, in a later stage: the line is still the section's.
        CHECK(error_of("Bootstrap: docker\n%" + section + " -e -c   # which shell?\nx\n") == "app.def:2: " + refusal);
        CHECK(error_of("Bootstrap: docker\n%post\nx\nBootstrap: docker\n%" + section + "\t-c\t\n") ==
              "app.def:5: " + refusal);
        // The arguments a section keeps are the last ones given: those are what would run.
        CHECK(error_of("Bootstrap: docker\n%" + section + " -c /bin/sh\nx\n%" + section + " -c\ny\n") ==
              "app.def:4: " + refusal);
        CHECK_NOTHROW(parse("Bootstrap: docker\n%" + section + " -c\nx\n%" + section + " -c /bin/sh\ny\n"));
    }
}

TEST_CASE("definition: what follows -c is the shell's business, as in Apptainer", "[definition]") {
    CHECK(single_stage("Bootstrap: docker\n%post -c bash -x\nx\n").post.args == "-c bash -x");
    CHECK(single_stage("Bootstrap: docker\n%setup -c /bin/bash\nx\n").setup.args == "-c /bin/bash");
    // Only the sections run through /bin/sh -c know -c: the others' arguments go on their #! line.
    CHECK(single_stage("Bootstrap: docker\n%runscript -c\nx\n%test -c\ny\n").runscript.args == "-c");
    // A word that merely contains -c is no -c option.
    CHECK(single_stage("Bootstrap: docker\n%post -cx\nx\n").post.args == "-cx");
}

TEST_CASE("definition: an unknown section is an error with its line", "[definition]") {
    CHECK(error_of("Bootstrap: docker\n\n%badsection\n\tuh oh\n") == "app.def:3: invalid section(s) specified: badsection");
    CHECK(error_of("Bootstrap: docker\n%post\nx\n%Install\n") == "app.def:4: invalid section(s) specified: install");
    CHECK(error_of("Bootstrap: docker\n%\n") == "app.def:2: invalid section(s) specified: ");
}

TEST_CASE("definition: every SCIF app section makes its app, in any case", "[definition]") {
    for (const char* section : {"appinstall", "applabels", "appfiles", "appenv", "apptest", "apphelp", "apprun", "appstart"}) {
        INFO(section);
        DefinitionStage stage = single_stage(std::string("Bootstrap: docker\n%post\nx\n%") + section + " foo\n");
        REQUIRE(stage.apps.size() == 1);
        CHECK(stage.apps[0].name == "foo");
        CHECK(stage.apps[0].line == 4);
        CHECK(stage.post.body == "x\n");
    }
    CHECK(single_stage("Bootstrap: docker\n%APPRUN foo\ny\n").apps.at(0).run.body == "y\n");
}

TEST_CASE("definition: the %arguments section is no script of the stage", "[definition]") {
    DefinitionStage stage = single_stage("Bootstrap: docker\n%arguments\nA=1\n%post\nx\n");
    CHECK(stage.post.body == "x\n");
    CHECK(stage.help == Script{});
}

// ---- CRLF ----

TEST_CASE("definition: CRLF line endings are accepted everywhere, the stored text keeps them", "[definition]") {
    std::string text =
        "Bootstrap: docker\r\nFrom: alpine # c\r\n\r\n%files\r\n  a.txt /opt/\r\n  \"b c\"\r\n%labels\r\n  Owner me\r\n"
        "%post -c /bin/bash\r\n  echo hi\r\n";
    Definition definition = parse(text);
    REQUIRE(definition.stages.size() == 1);
    const DefinitionStage& stage = definition.stages.front();
    CHECK(stage.header == KeyValues{{"bootstrap", "docker"}, {"from", "alpine"}});
    CHECK(stage.files == std::vector<FilesSection>{{"", {{"a.txt", "/opt/", 5}, {"b c", "", 6}}, 4}});
    CHECK(stage.labels == KeyValues{{"Owner", "me"}});
    CHECK(stage.post == Script{"  echo hi\n", "-c /bin/bash", 9});
    CHECK(definition.text == text);
}

// ---- %files ----

TEST_CASE("definition: %files lines are a source and an optional destination", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%files\n  data/in.csv\n\n  # a comment line\n  run.sh   /usr/local/bin/run.sh\n"
        "\tconf/*.toml /etc/app/\n");
    CHECK(stage.files == std::vector<FilesSection>{
                             {"", {{"data/in.csv", "", 3}, {"run.sh", "/usr/local/bin/run.sh", 6}, {"conf/*.toml", "/etc/app/", 7}}, 2}});
}

TEST_CASE("definition: %files paths may be double- or single-quoted to hold blanks", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%files\n\"my file\"\n\"my file\" \"/opt/my dir/\"\n'it is' /x\nplain \"with space\"\n"
        "\"q\"\"r\"\n");
    CHECK(stage.files.front().copies ==
          std::vector<FileCopy>{{"my file", "", 3}, {"my file", "/opt/my dir/", 4}, {"it is", "/x", 5},
                                {"plain", "with space", 6}, {"q", "r", 7}});
}

TEST_CASE("definition: an unquoted # field starts a comment on a %files line", "[definition]") {
    DefinitionStage stage = single_stage("Bootstrap: docker\n%files\na /b # to b\nc #just c\nd#e \"#f\"\n");
    CHECK(stage.files.front().copies == std::vector<FileCopy>{{"a", "/b", 3}, {"c", "", 4}, {"d#e", "#f", 5}});
}

TEST_CASE("definition: a %files line with more than two paths, or an open quote, is an error", "[definition]") {
    CHECK(error_of("Bootstrap: docker\n%files\nmy file /opt\n") ==
          "app.def:3: %files line \"my file /opt\" has more than a source and a destination (quote a path that holds spaces)");
    CHECK(error_of("Bootstrap: docker\n%files\n  \"my file /opt\n") ==
          "app.def:3: %files line \"\"my file /opt\" has an unterminated quote");
    CHECK(error_of("Bootstrap: docker\n%files\na 'b\n") == "app.def:3: %files line \"a 'b\" has an unterminated quote");
}

TEST_CASE("definition: an empty %files source is skipped with Apptainer's warning", "[definition]") {
    Definition definition = parse("Bootstrap: docker\n%files\n\"\" /x\nkept\n");
    CHECK(definition.stages.front().files.front().copies == std::vector<FileCopy>{{"kept", "", 4}});
    CHECK(definition.warnings == std::vector<std::string>{"app.def:3: Attempt to copy file with no name, skipping."});
}

TEST_CASE("definition: a %files destination may not climb above the container's root", "[definition]") {
    for (const char* destination : {"../x", "/../../etc", "/..", "a/../../b", "./../x", "/opt/../../x"}) {
        INFO(destination);
        CHECK(error_of(std::string("Bootstrap: docker\n%files\nsrc ") + destination + "\n") ==
              std::string("app.def:3: %files destination \"") + destination + "\" is outside the container's root");
    }
    DefinitionStage stage = single_stage("Bootstrap: docker\n%files\na /opt/../etc/\nb x/../y\nc ./z\nd /\ne ..x\n");
    CHECK(stage.files.front().copies == std::vector<FileCopy>{
                                            {"a", "/opt/../etc/", 3}, {"b", "x/../y", 4}, {"c", "./z", 5}, {"d", "/", 6}, {"e", "..x", 7}});
    // Without a destination the source's path is used; the builder resolves it inside the root.
    CHECK(single_stage("Bootstrap: docker\n%files\n../shared/tool.sh\n").files.front().copies ==
          std::vector<FileCopy>{{"../shared/tool.sh", "", 3}});
}

TEST_CASE("definition: %files sections with the same origin are merged in file order", "[definition]") {
    Definition definition = parse(
        "Bootstrap: docker\nStage: build\n%post\nmake\n"
        "Bootstrap: docker\n%files\nh1 /h1\n%files from build\ns1 /s1\n%post\nx\n%files from build # again\ns2\n%files\nh2\n");
    REQUIRE(definition.stages.size() == 2);
    CHECK(definition.stages[1].files ==
          std::vector<FilesSection>{{"", {{"h1", "/h1", 7}, {"h2", "", 15}}, 6}, {"build", {{"s1", "/s1", 9}, {"s2", "", 13}}, 8}});
}

TEST_CASE("definition: %files takes no argument but `from STAGE`", "[definition]") {
    CHECK(error_of("Bootstrap: docker\n%files build\na\n") ==
          "app.def:2: invalid %files arguments \"build\": expected \"from <stage>\"");
    CHECK(error_of("Bootstrap: docker\n%files from\na\n") ==
          "app.def:2: invalid %files arguments \"from\": expected \"from <stage>\"");
    CHECK(error_of("Bootstrap: docker\n%files from a b\n") ==
          "app.def:2: invalid %files arguments \"from a b\": expected \"from <stage>\"");
    CHECK(single_stage("Bootstrap: docker\n%files   # host files\na\n").files.front().from_stage.empty());
}

// ---- %labels ----

TEST_CASE("definition: %labels lines are a key and the rest of the line, quotes kept", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%labels\n  Maintainer \"Jane Doe <jane@example.org>\"\n\n  # comment\n"
        "  Version    1.0 # not a comment\n\tTabbed\tvalue here  \n  Lonely\n");
    CHECK(stage.labels == KeyValues{{"Maintainer", "\"Jane Doe <jane@example.org>\""},
                                    {"Version", "1.0 # not a comment"},
                                    {"Tabbed", "value here"},
                                    {"Lonely", ""}});
}

TEST_CASE("definition: %labels from several sections, a repeated key keeps its place, last value wins", "[definition]") {
    DefinitionStage stage = single_stage("Bootstrap: docker\n%labels\nA 1\nB 2\n%post\nx\n%labels\nA 3\nC 4\n");
    CHECK(stage.labels == KeyValues{{"A", "3"}, {"B", "2"}, {"C", "4"}});
}

// ---- empty files, missing headers ----

TEST_CASE("definition: an empty file, or one of comments and blanks only, has no stages", "[definition]") {
    for (const char* text : {"", "\n\n", "   \n\t\n", "# one\n# two", "# one\r\n\r\n  # two\r\n"}) {
        INFO(text);
        CHECK(error_of(text) == "app.def: no stages found in definition file");
    }
}

TEST_CASE("definition: sections without a header, or a header without Bootstrap, are refused", "[definition]") {
    CHECK(error_of("# comment\n\n%post\necho hi\n") == "app.def:3: no bootstrap specification found");
    CHECK(error_of("From: alpine\n%post\necho hi\n") == "app.def:1: no bootstrap specification found");
    CHECK(error_of("From: alpine\nBootstrap: docker\n") == "app.def:1: no bootstrap specification found");
    CHECK(error_of("%post\nx\nBootstrap: docker\nFrom: alpine\n") == "app.def:1: multiple stages detected, all must have headers");
}

// ---- stages ----

TEST_CASE("definition: each line starting with Bootstrap: starts a stage", "[definition]") {
    std::string text =
        "# leading comment\n"
        "Bootstrap: docker\nFrom: golang:1.22\nStage: build\n\n%post\n  go build -o /hello .\n\n"
        "# the final image\n"
        "BOOTSTRAP: docker\nFrom: alpine:3.19\nStage: final\n%files from build\n  /hello /usr/bin/hello\n"
        "bootstrap:library\nFrom: x\n";
    Definition definition = parse(text);
    REQUIRE(definition.stages.size() == 3);
    CHECK(definition.stages[0].name == "build");
    CHECK(definition.stages[0].header_line == 2);
    // A comment before the next Bootstrap: belongs to the section above it, as in Apptainer.
    CHECK(definition.stages[0].post.body == "  go build -o /hello .\n\n# the final image\n");
    CHECK(definition.stages[1].name == "final");
    CHECK(definition.stages[1].header_line == 10);
    CHECK(definition.stages[1].files == std::vector<FilesSection>{{"build", {{"/hello", "/usr/bin/hello", 14}}, 13}});
    CHECK(definition.stages[2].name.empty());
    CHECK(definition.stages[2].header == KeyValues{{"bootstrap", "library"}, {"from", "x"}});
    CHECK(definition.text == text);
}

TEST_CASE("definition: Bootstrap: at the start of a line inside a section starts a stage, as in Apptainer",
          "[definition]") {
    Definition definition = parse("Bootstrap: docker\n%help\n  Bootstrap: stays help\nBootstrap: docker\n%post\nx\n");
    REQUIRE(definition.stages.size() == 2);
    CHECK(definition.stages[0].help.body == "  Bootstrap: stays help\n");
    CHECK(definition.stages[1].post.body == "x\n");
    CHECK(error_of("Bootstrap: docker\n%help\nbootstrap: x\nthis image\n") == "app.def:4: header key this image had no val");
}

TEST_CASE("definition: %files from must name an earlier stage", "[definition]") {
    CHECK(error_of("Bootstrap: docker\nStage: one\nBootstrap: docker\n%files from two\na\n") ==
          "app.def:4: stage two was not found");
    CHECK(error_of("Bootstrap: docker\nStage: one\n%files from one\na\n") == "app.def:3: stage one was not found");
    CHECK(error_of("Bootstrap: docker\n%files from two\na\nBootstrap: docker\nStage: two\n") ==
          "app.def:2: stage two was not found");
}

TEST_CASE("definition: the stored text is the whole file", "[definition]") {
    std::string text = "# my image\n\nBootstrap: docker\nFrom: alpine\n%post\n  echo {not a template}\n";
    CHECK(parse(text).text == text);
}

TEST_CASE("definition: the name given is the one in messages", "[definition]") {
    CHECK(hpc::test::error_message([] { hpc::image::parse_definition("%oops\n", "/home/u/x.def", {}); }, ExitCode::data) ==
          "/home/u/x.def:1: invalid section(s) specified: oops");
}
