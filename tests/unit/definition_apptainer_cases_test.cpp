// Apptainer's own definition-parser tests as a checklist, one case per input of
// pkg/build/types/parser/deffile_test.go (testdata_good, testdata_bad, testdata_multi),
// internal/pkg/build/args/args_test.go and the build-argument e2e tests (e2e/imgbuild,
// test/build-args), written again with data of our own. Where hpc refuses what Apptainer's parser
// takes (SCIF apps, stages without a header), the case checks hpc's message.
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
using hpc::image::UnusedBuildArgs;
using hpc::test::error_of;
using hpc::test::parse;
using hpc::test::single_stage;

namespace {

// The body of the docker, noheader* and single cases: comments between sections, a help with a
// "# #" line, files, labels, an environment with blank lines at its end.
constexpr std::string_view sections_body =
    "%help\n"
    "Usage: run it\n"
    "# # not a comment in help\n"
    "%setup\n"
    "    touch ${APPTAINER_ROOTFS}/marker\n"
    "\n"
    "# comment after setup\n"
    "\n"
    "%files\n"
    "notes.txt\n"
    "bin/tool /usr/local/bin\n"
    "\n"
    "# comment after files\n"
    "%labels\n"
    "Author Ada\n"
    "Release 2\n"
    "\n"
    "%environment\n"
    "    LANG=C.UTF-8\n"
    "    MODE=fast # inline\n"
    "    export LANG MODE\n"
    "\n"
    "\n"
    "%post\n"
    "    echo 'one long command' \\\n"
    "    'continued'\n"
    "    echo 'export X=1' >> $APPTAINER_ENVIRONMENT\n"
    "\n"
    "%runscript\n"
    "    echo \"args: $*\" # a comment\n"
    "    exec \"$@\"\n";

void check_sections_body(const DefinitionStage& stage, int first_line) {
    CHECK(stage.help == Script{"Usage: run it\n# # not a comment in help\n", "", first_line});
    CHECK(stage.setup == Script{"    touch ${APPTAINER_ROOTFS}/marker\n\n# comment after setup\n\n", "", first_line + 3});
    CHECK(stage.files == std::vector<FilesSection>{
                             {"", {{"notes.txt", "", first_line + 9}, {"bin/tool", "/usr/local/bin", first_line + 10}}, first_line + 8}});
    CHECK(stage.labels == KeyValues{{"Author", "Ada"}, {"Release", "2"}});
    CHECK(stage.environment.body == "    LANG=C.UTF-8\n    MODE=fast # inline\n    export LANG MODE\n\n\n");
    CHECK(stage.post.body ==
          "    echo 'one long command' \\\n    'continued'\n    echo 'export X=1' >> $APPTAINER_ENVIRONMENT\n\n");
    CHECK(stage.runscript.body == "    echo \"args: $*\" # a comment\n    exec \"$@\"\n");
    CHECK(stage.test == Script{});
    CHECK(stage.startscript == Script{});
}

}  // namespace

// ---- testdata_good ----

TEST_CASE("apptainer cases: arch, a %post of continued lines", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: arch\n\n%post\n    echo 'first' \\\n            'second' \\\n            'third'\n");
    CHECK(stage.header == KeyValues{{"bootstrap", "arch"}});
    CHECK(stage.post.body == "    echo 'first' \\\n            'second' \\\n            'third'\n");
}

TEST_CASE("apptainer cases: apps, SCIF sections beside the image's own", "[definition]") {
    DefinitionStage stage =
        single_stage("Bootstrap: docker\nFrom: alpine\n%runscript\nrun\n%appinstall foo\n    make foo\n%apprun foo\n    foo\n");
    CHECK(stage.runscript.body == "run\n");
    REQUIRE(stage.apps.size() == 1);
    CHECK(stage.apps[0].name == "foo");
    CHECK(stage.apps[0].line == 5);
    CHECK(stage.apps[0].install == Script{"    make foo\n", "", 5});
    CHECK(stage.apps[0].run == Script{"    foo\n", "", 7});
}

TEST_CASE("apptainer cases: busybox, a header only, comments on and after it", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: busybox # comment\nMirrorURL: https://example.org/busybox-x86_64\n# trailing comment\n");
    CHECK(stage.header == KeyValues{{"bootstrap", "busybox"}, {"mirrorurl", "https://example.org/busybox-x86_64"}});
}

TEST_CASE("apptainer cases: debootstrap, extra blanks after the colon", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: debootstrap\nOSVersion: bookworm\nMirrorURL:  http://deb.example.org/debian/\nInclude: curl\n");
    CHECK(stage.header == KeyValues{{"bootstrap", "debootstrap"},
                                    {"osversion", "bookworm"},
                                    {"mirrorurl", "http://deb.example.org/debian/"},
                                    {"include", "curl"}});
}

TEST_CASE("apptainer cases: docker, a full single stage with comments everywhere", "[definition]") {
    std::string text = "# comment before the header\nBootstrap: docker   # comment on the header\n"
                       "From: <registry>/<namespace>/<image>:<tag>@<digest>\nIncludeCmd: yes\n\n# comment before help\n" +
                       std::string(sections_body);
    DefinitionStage stage = single_stage(text);
    CHECK(stage.header == KeyValues{{"bootstrap", "docker"},
                                    {"from", "<registry>/<namespace>/<image>:<tag>@<digest>"},
                                    {"includecmd", "yes"}});
    CHECK(stage.header_line == 2);
    check_sections_body(stage, 7);
}

TEST_CASE("apptainer cases: fingerprint, localimage and shub headers", "[definition]") {
    // Apptainer's case parses; hpc, which cannot check the fingerprints, refuses it (definition_test.cpp).
    CHECK(error_of("Bootstrap: localimage\nFrom: /images/base.sif\nFingerprints: AAAA1111,BBBB2222\n# c\n") ==
          "app.def:3: Fingerprints: hpc cannot verify a base image's signatures (signing is not in hpc yet): remove "
          "the header to build without the check");
    CHECK(single_stage("Bootstrap: localimage\nFrom: /images/sandbox/\n# c\n").header_value("from") == "/images/sandbox/");
    CHECK(single_stage("Bootstrap: shub\nFrom: shub://<registry>/<user>/<image>:<tag>@digest\n").header_value("from") ==
          "shub://<registry>/<user>/<image>:<tag>@digest");
}

TEST_CASE("apptainer cases: scratch, a %setup with comments and a continued line", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: scratch\n\n%setup\n    url='http://example.org/rootfs.tar.gz'\n\n    # fetch and unpack\n"
        "    curl \"${url}\" \\\n       | tar xz -C \"${APPTAINER_ROOTFS}\"\n");
    CHECK(stage.setup.body ==
          "    url='http://example.org/rootfs.tar.gz'\n\n    # fetch and unpack\n    curl \"${url}\" \\\n"
          "       | tar xz -C \"${APPTAINER_ROOTFS}\"\n");
}

TEST_CASE("apptainer cases: yum and zypper, %{OSVERSION} and $basearch in header values", "[definition]") {
    CHECK(single_stage("Bootstrap: yum\nOSVersion: 9\nMirrorURL: http://mirror.example.org/%{OSVERSION}/os/$basearch/\n"
                       "Include: dnf\n")
              .header_value("mirrorurl") == "http://mirror.example.org/%{OSVERSION}/os/$basearch/");
    CHECK(single_stage("Bootstrap: zypper\nOSVersion: 15.5\nMirrorURL: http://dl.example.org/leap/%{OSVERSION}/oss/\n"
                       "Include: vim\n")
              .header == KeyValues{{"bootstrap", "zypper"},
                                   {"osversion", "15.5"},
                                   {"mirrorurl", "http://dl.example.org/leap/%{OSVERSION}/oss/"},
                                   {"include", "vim"}});
}

TEST_CASE("apptainer cases: zypper for SLE, a PGP key over continued lines and numbered otherurls", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: zypper\nOSVersion: 15.5\nMirrorURL: ftp://example.org/SLE-15-SP5-DVD1\n"
        "Product: SLE_HPC/%{OSVERSION}/x86_64\nUser: someone@example.org\nRegcode: CODE-123\n"
        "RegisterUrl: https://register.example.org\n"
        "ProductPGP: -----BEGIN PGP PUBLIC KEY BLOCK-----\\n\\\nVersion: test 1.0\\n\\\n\\n\\\nQUJDREVGR0g=\\n\\\n=abcd\\n\\\n"
        "-----END PGP PUBLIC KEY BLOCK-----\n"
        "Modules: mod-a,mod-b\nOtherurl0: https://example.org/repo0\nOtherurl1: https://example.org/repo1\nInclude: pkg\n");
    CHECK(stage.header == KeyValues{{"bootstrap", "zypper"},
                                    {"osversion", "15.5"},
                                    {"mirrorurl", "ftp://example.org/SLE-15-SP5-DVD1"},
                                    {"product", "SLE_HPC/%{OSVERSION}/x86_64"},
                                    {"user", "someone@example.org"},
                                    {"regcode", "CODE-123"},
                                    {"registerurl", "https://register.example.org"},
                                    {"productpgp",
                                     "-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: test 1.0\n\nQUJDREVGR0g=\n=abcd\n"
                                     "-----END PGP PUBLIC KEY BLOCK-----"},
                                    {"modules", "mod-a,mod-b"},
                                    {"otherurl0", "https://example.org/repo0"},
                                    {"otherurl1", "https://example.org/repo1"},
                                    {"include", "pkg"}});
}

TEST_CASE("apptainer cases: noheader, noheadercomments, noheaderwhitespace are refused at build", "[definition]") {
    // Apptainer's parser takes them; its build refuses a stage without a header.
    CHECK(error_of(sections_body) == "app.def:1: no bootstrap specification found");
    CHECK(error_of("# a comment first\n" + std::string(sections_body)) == "app.def:2: no bootstrap specification found");
    CHECK(error_of("\n" + std::string(sections_body)) == "app.def:2: no bootstrap specification found");
}

TEST_CASE("apptainer cases: multiplescripts, repeated sections joined", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\nFrom: alpine\n\n%setup\n    touch a\n\n%post\n    echo one\n\n%runscript\n    echo first\n\n\n"
        "%setup\n    touch b\n\n%post\n    echo two\n\n%runscript\n    echo second\n    exec \"$@\"\n");
    CHECK(stage.setup == Script{"    touch a\n\n    touch b\n\n", "", 4});
    CHECK(stage.post == Script{"    echo one\n\n    echo two\n\n", "", 7});
    CHECK(stage.runscript == Script{"    echo first\n\n\n    echo second\n    exec \"$@\"\n", "", 10});
}

TEST_CASE("apptainer cases: sectionargs, %files from stages and %post -c with a comment", "[definition]") {
    std::string stages = "Bootstrap: docker\nStage: something\nBootstrap: docker\nStage: somethingelse\n";
    Definition definition = parse(
        stages +
        "Bootstrap: library\nFrom: debian:12\n\n%files from something\n    a a\n\n%files from somethingelse\n    b c\n\n"
        "%post -c /bin/bash extra words here #comment\n        echo \"in post\"\n        function f { echo; }");
    REQUIRE(definition.stages.size() == 3);
    const DefinitionStage& stage = definition.stages[2];
    CHECK(stage.files == std::vector<FilesSection>{{"something", {{"a", "a", 9}}, 8}, {"somethingelse", {{"b", "c", 12}}, 11}});
    CHECK(stage.post == Script{"        echo \"in post\"\n        function f { echo; }\n", "-c /bin/bash extra words here", 14});
    // Alone, as in Apptainer's test, the stages named do not exist: its build fails, so does hpc.
    CHECK(error_of("Bootstrap: library\nFrom: debian:12\n%files from something\n    a a\n") ==
          "app.def:3: stage something was not found");
}

TEST_CASE("apptainer cases: multiplefiles, %files sections merged by origin", "[definition]") {
    Definition definition = parse(
        "Bootstrap: docker\nStage: somewhere\n"
        "Bootstrap: docker\nFrom: alpine\nStage: one\n\n%files\n    f2 one2\n    f1 one1\n\n%files from somewhere\n"
        "    f1 copy1\n    f2 copy2\n\n%post\n    echo hi\n\n%files from somewhere\n    f1 again1\n\n%files\n    f1 two1\n");
    REQUIRE(definition.stages.size() == 2);
    CHECK(definition.stages[1].name == "one");
    CHECK(definition.stages[1].files ==
          std::vector<FilesSection>{{"", {{"f2", "one2", 8}, {"f1", "one1", 9}, {"f1", "two1", 22}}, 7},
                                    {"somewhere", {{"f1", "copy1", 12}, {"f2", "copy2", 13}, {"f1", "again1", 19}}, 11}});
    CHECK(definition.stages[1].post.body == "    echo hi\n\n");
}

TEST_CASE("apptainer cases: quotedfiles, quoted sources and destinations", "[definition]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\nFrom: alpine\n\n%files\n    \"in 1\"\n    \"in 1\" \"out1\"\n    \"in 1\" \"out 1\"\n"
        "    in2\n    in2 \"out2\"\n    in2 \"out 2\"\n    \"in3\" \"out3\"\n\n%post\n    true\n");
    CHECK(stage.files.front().copies == std::vector<FileCopy>{{"in 1", "", 5},
                                                              {"in 1", "out1", 6},
                                                              {"in 1", "out 1", 7},
                                                              {"in2", "", 8},
                                                              {"in2", "out2", 9},
                                                              {"in2", "out 2", 10},
                                                              {"in3", "out3", 11}});
}

TEST_CASE("apptainer cases: shebang and shebang_test, #! lines are body text", "[definition]") {
    CHECK(single_stage("Bootstrap: docker\nFrom: python\n\n%runscript\n#!/usr/bin/env python3\nprint('hi')").runscript.body ==
          "#!/usr/bin/env python3\nprint('hi')\n");
    CHECK(single_stage("Bootstrap: docker\nFrom: debian\n\n%test\n#!/bin/csh\necho $0\n").test.body == "#!/bin/csh\necho $0\n");
}

// ---- testdata_bad and the unit tests of deffile_test.go ----

TEST_CASE("apptainer cases: bad_section, empty, emptycomments, JSON given as a definition", "[definition]") {
    CHECK(error_of("Bootstrap: arch\n\n%wrongsection\n\tnot good\n") == "app.def:3: invalid section(s) specified: wrongsection");
    CHECK(error_of("") == "app.def: no stages found in definition file");
    CHECK(error_of("#first comment\n#second comment") == "app.def: no stages found in definition file");
    CHECK(error_of("{\"rawDefFile\":\"Bootstrap: arch\"}") == "app.def:1: invalid header keyword found: {\"rawdeffile\"");
    CHECK(error_of("{\"rawDefFile\":\"Bootstrap: arch\\n\\n%bad\\n\"}") ==
          "app.def:1: invalid header keyword found: {\"rawdeffile\"");
}

TEST_CASE("apptainer cases: doHeader, a key without value and an unknown key", "[definition]") {
    CHECK(error_of("headerTest") == "app.def:1: header key headerTest had no val");
    CHECK(error_of("headerTest: invalid") == "app.def:1: invalid header keyword found: headertest");
}

TEST_CASE("apptainer cases: parseTokenSection and doSections, app sections with or without a name", "[definition]") {
    // Apptainer refuses the first ("could not be split into section name and app name") and
    // takes "one", ignoring "two", in the second; hpc refuses what it would ignore.
    CHECK(error_of("%apptest\ntesttext") == "app.def:1: %apptest: an app section names its app (%apptest NAME)");
    CHECK(error_of("Bootstrap: docker\n%appenv one two\ntest\n%appenv\ntest") ==
          "app.def:2: %appenv one: \"two\" after the app's name (app sections take no arguments)");
}

// ---- testdata_multi ----

TEST_CASE("apptainer cases: multi single, comments before the only Bootstrap", "[definition]") {
    std::string text = "# comment before the header\nBootstrap: docker\nFrom: alpine\n\n" + std::string(sections_body);
    Definition definition = parse(text);
    REQUIRE(definition.stages.size() == 1);
    check_sections_body(definition.stages.front(), 5);
    CHECK(definition.text == text);
}

TEST_CASE("apptainer cases: multi simple, two stages and %files from the first", "[definition]") {
    Definition definition = parse(
        "Bootstrap: docker\nFrom: debian:12\nStage: one\n\n\n%setup\n\tmkdir -p $APPTAINER_ROOTFS/src/hello\n\n\n%files\n"
        "\thello.c /src/hello/hello.c\n\n\n%post\n\tapt-get install -y gcc\n\tcd /src/hello\n\tgcc -o hello hello.c\n\t\n\n\n"
        "Bootstrap: docker\nFrom: alpine:3.19\nStage: two\n\n\n%files from one\n\t/src/hello/hello /bin/hello\n\n\n"
        "%runscript\n\thello\n\n");
    REQUIRE(definition.stages.size() == 2);
    CHECK(definition.stages[0].header == KeyValues{{"bootstrap", "docker"}, {"from", "debian:12"}, {"stage", "one"}});
    CHECK(definition.stages[0].setup.body == "\tmkdir -p $APPTAINER_ROOTFS/src/hello\n\n\n");
    CHECK(definition.stages[0].files == std::vector<FilesSection>{{"", {{"hello.c", "/src/hello/hello.c", 11}}, 10}});
    CHECK(definition.stages[0].post.body == "\tapt-get install -y gcc\n\tcd /src/hello\n\tgcc -o hello hello.c\n\t\n\n\n");
    CHECK(definition.stages[1].name == "two");
    CHECK(definition.stages[1].header_line == 21);
    CHECK(definition.stages[1].files == std::vector<FilesSection>{{"one", {{"/src/hello/hello", "/bin/hello", 27}}, 26}});
    CHECK(definition.stages[1].runscript.body == "\thello\n\n");
}

TEST_CASE("apptainer cases: multi noheader*, sections before the first Bootstrap", "[definition]") {
    CHECK(error_of(std::string(sections_body) + "Bootstrap: docker\nFrom: alpine\n") ==
          "app.def:1: multiple stages detected, all must have headers");
    CHECK(error_of("# c\n\n%post\nx\nBootstrap: docker\n") == "app.def:3: multiple stages detected, all must have headers");
}

// ---- internal/pkg/build/args tests ----

TEST_CASE("apptainer cases: getKeyVal", "[definition]") {
    CHECK(hpc::image::parse_build_args({"  k1= v1\n", "\n  k2 = v2\n", "k3=1.0", "k4= a whitespace  ", "\n  k5 =\n",
                                        "\n  k6 =  \n", "k7=''", "k8='  '", "k9=\"\"", "k10=\"   \""}) ==
          KeyValues{{"k1", "v1"}, {"k2", "v2"}, {"k3", "1.0"}, {"k4", "a whitespace"}, {"k5", ""}, {"k6", ""},
                    {"k7", "''"}, {"k8", "'  '"}, {"k9", "\"\""}, {"k10", "\"   \""}});
    CHECK(hpc::test::error_message([] { hpc::image::parse_build_args({"\n  k1 v1\n"}); }, ExitCode::usage) ==
          "--build-arg: \"\\n  k1 v1\\n\" is not a key=value pair");
    CHECK(hpc::test::error_message([] { hpc::image::parse_build_args({"\n  =v1\n"}); }, ExitCode::usage) ==
          "--build-arg: missing key portion in \"\\n  =v1\\n\"");
}

TEST_CASE("apptainer cases: the args reader", "[definition]") {
    auto post = [](std::string_view body, const KeyValues& args, std::string_view defaults = "") {
        Definition definition = parse("Bootstrap: docker\n%arguments\n" + std::string(defaults) + "%post\n" + std::string(body),
                                      args, UnusedBuildArgs::warn);
        return definition.stages.front().post.body;
    };
    CHECK(post("/s-{{ APP }}", {{"OS", "1"}, {"APP", "1.0"}}) == "/s-1.0\n");
    CHECK(post("/s-{{ OS }}.sh {{ APP }}", {{"OS", "1"}, {"APP", "1.0"}}) == "/s-1.sh 1.0\n");
    CHECK(post("/s-1.sh 1.0", {}) == "/s-1.sh 1.0\n");
    CHECK(post("/s-{{ OS }}.sh {{ APP }}", {{"OS", "1"}}, "APP=1.0\n") == "/s-1.sh 1.0\n");
    CHECK(post("/s-{{ OS }}.sh {{ APP }}", {{"OS", "1"}, {"APP", "1.0"}}, "APP=0.0\n") == "/s-1.sh 1.0\n");
    CHECK(post("/s-{{ \nAPP        }}", {{"APP", "1.0"}}) == "/s-1.0\n");
    CHECK(error_of("Bootstrap: docker\n%post\n{{ OS }} {{ APP }}\n", {{"OS", "1"}}) ==
          "app.def:3: build var APP is not defined through either --build-arg (--build-arg-file) or 'arguments' section");
    CHECK(error_of("Bootstrap: docker\n%post\n{{ OS }} {{ APP }}\n", {{"OS_V", "1"}}) ==
          "app.def:3: build var OS is not defined through either --build-arg (--build-arg-file) or 'arguments' section");
}

TEST_CASE("apptainer cases: readDefaults of test/build-args definitions", "[definition]") {
    Definition one = parse(
        "Bootstrap: docker\nFrom: alpine:{{ OS_VER }}\nStage: build\n\n%arguments\n    OS_VER=3.17\n    DEMO=a demo\n"
        "    AUTHOR=jason\n\n%environment\n    export OS_VER={{ OS_VER }}\n\n%labels\n    Author {{ AUTHOR }}\n\n"
        "%help\n    This is {{ DEMO }} for templating\n");
    const DefinitionStage& stage = one.stages.front();
    CHECK(stage.header_value("from") == "alpine:3.17");
    CHECK(stage.environment.body == "    export OS_VER=3.17\n\n");
    CHECK(stage.labels == KeyValues{{"Author", "jason"}});
    CHECK(stage.help.body == "    This is a demo for templating\n");
}

TEST_CASE("apptainer cases: e2e build-args, single and multiple stages", "[definition]") {
    std::string single = "Bootstrap: localimage\nFrom: {{ IMAGE }}\n\n%arguments\n    AUTHOR=jason\n    VERSION=1\n"
                         "    DEMO=a demo\n\n%files\n    {{ SCRIPT_PATH }}\n\n%environment\n    export AUTHOR={{ AUTHOR }}\n\n"
                         "%post\n    {{ SCRIPT_PATH }}\n\n%labels\n    Author {{ AUTHOR }}\n    Version {{ VERSION }}\n\n"
                         "%help\n    This is {{ DEMO }} for templating\n";
    KeyValues args{{"IMAGE", "/tmp/busybox.sif"}, {"SCRIPT_PATH", "../test/script.sh"}};
    Definition ok = parse(single, args);
    CHECK(ok.stages.front().header_value("from") == "/tmp/busybox.sif");
    CHECK(ok.stages.front().files.front().copies == std::vector<FileCopy>{{"../test/script.sh", "", 10}});
    CHECK(ok.stages.front().labels == KeyValues{{"Author", "jason"}, {"Version", "1"}});
    CHECK(ok.text.find("{{") == std::string::npos);
    CHECK(error_of(single, {{"SCRIPT_PATH", "x"}}).find("IMAGE is not defined") != std::string::npos);
    KeyValues extra = args;
    extra.emplace_back("ADDITION", "1");
    CHECK(error_of(single, extra, ExitCode::usage) ==
          "app.def: unused build args: ADDITION. Use option --warn-unused-build-args to show a warning instead of a fatal message");
    CHECK(parse(single, extra, UnusedBuildArgs::warn).warnings == std::vector<std::string>{"app.def: Unused build args: ADDITION"});
    KeyValues equals = args;
    equals.emplace_back("AUTHOR", "Equals=In=My=Name");
    equals.emplace_back("DEMO", "demo=with===equals==signs");
    Definition with_equals = parse(single, equals);
    CHECK(with_equals.stages.front().labels.front() == std::pair<std::string, std::string>{"Author", "Equals=In=My=Name"});
    CHECK(with_equals.stages.front().help.body == "    This is demo=with===equals==signs for templating\n");

    std::string multiple = "Bootstrap: docker\nFrom: {{ DEVEL_IMAGE }}\nStage: devel\n\n%arguments\n    HOME=/root\n\n"
                           "%post\n  export HOME={{ HOME }}\n  cd {{ HOME }}\n\n# the final image\nBootstrap: docker\n"
                           "From: {{ FINAL_IMAGE }}\nStage: final\n\n%arguments\n    FINAL_IMAGE=alpine:3.17\n\n"
                           "# from stage one\n%files from devel\n  {{ HOME }}/hello.sh /bin/hello";
    CHECK(error_of(multiple, {{"DEVEL_IMAGE", "golang:1.22"}, {"FINAL_IMAGE", "alpine:3.19"}}).find("HOME is not defined") !=
          std::string::npos);
    KeyValues file = hpc::image::parse_build_arg_file("argfile", "HOME=/root\nDEMO=demo=with===equals==signs\n").values;
    file.emplace_back("DEVEL_IMAGE", "golang:1.22");
    file.emplace_back("FINAL_IMAGE", "alpine:3.19");
    Definition built = parse(multiple, file, UnusedBuildArgs::warn);
    REQUIRE(built.stages.size() == 2);
    CHECK(built.stages[0].post.body == "  export HOME=/root\n  cd /root\n\n# the final image\n");
    CHECK(built.stages[1].header_value("from") == "alpine:3.19");
    CHECK(built.stages[1].files.front().copies == std::vector<FileCopy>{{"/root/hello.sh", "/bin/hello", 22}});
    CHECK(built.warnings == std::vector<std::string>{"app.def: Unused build args: DEMO"});
}

// ---- a realistic definition, after e2e/testdata/Apptainer (without its SCIF apps) ----

TEST_CASE("apptainer cases: a realistic definition parses into the expected stage", "[definition]") {
    std::string text =
        "bootstrap: oras\nfrom: ghcr.io/example/alpine:3.19\n\n%labels\n    maintainer \"Example Team <team@example.org>\"\n\n"
        "%help\n    export VILLAIN=Loki\n\n%environment\n    GOPATH=/go\n    PATH=$PATH:$GOPATH/bin\n    export GOPATH PATH\n\n"
        "%setup\n    echo \"SETUP\"\n    # extraction test\n    mknod $APPTAINER_ROOTFS/dev/null c 1 3\n\n"
        "%startscript\n    # echo back on port $1\n    exec nc -l -k -p $1 -e /bin/cat\n\n"
        "%runscript\n    echo \"Running command: $*\"\n    exec \"$@\"\n\n"
        "%post\n    echo \"POST\"\n    apk add nmap-ncat\n\n    ln -s /etc /var/etc\n\n%test\n    exec \"$@\"\n";
    Definition definition = parse(text);
    REQUIRE(definition.stages.size() == 1);
    const DefinitionStage& stage = definition.stages.front();
    CHECK(stage.name.empty());
    CHECK(stage.header == KeyValues{{"bootstrap", "oras"}, {"from", "ghcr.io/example/alpine:3.19"}});
    CHECK(stage.labels == KeyValues{{"maintainer", "\"Example Team <team@example.org>\""}});
    CHECK(stage.help == Script{"    export VILLAIN=Loki\n\n", "", 7});
    CHECK(stage.environment == Script{"    GOPATH=/go\n    PATH=$PATH:$GOPATH/bin\n    export GOPATH PATH\n\n", "", 10});
    CHECK(stage.setup == Script{"    echo \"SETUP\"\n    # extraction test\n    mknod $APPTAINER_ROOTFS/dev/null c 1 3\n\n", "", 15});
    CHECK(stage.startscript == Script{"    # echo back on port $1\n    exec nc -l -k -p $1 -e /bin/cat\n\n", "", 20});
    CHECK(stage.runscript == Script{"    echo \"Running command: $*\"\n    exec \"$@\"\n\n", "", 24});
    CHECK(stage.post == Script{"    echo \"POST\"\n    apk add nmap-ncat\n\n    ln -s /etc /var/etc\n\n", "", 28});
    CHECK(stage.test == Script{"    exec \"$@\"\n", "", 34});
    CHECK(stage.pre == Script{});
    CHECK(stage.files.empty());
    CHECK(definition.text == text);
    CHECK(definition.warnings.empty());
}
