// SCIF app sections of definition files (%appinstall NAME, %apprun NAME, ...): which app each
// belongs to, their bodies, %applabels and %appfiles, and the names and counts refused.
#include "common/scif_layout.hpp"
#include "definition/definition.hpp"

#include "definition_cases.hpp"

#include <catch2/catch.hpp>

using hpc::image::DefinitionStage;
using hpc::image::FileCopy;
using hpc::image::KeyValues;
using hpc::image::Script;
using hpc::image::ScifApp;
using hpc::test::error_of;
using hpc::test::parse;
using hpc::test::single_stage;

namespace {

// The SCIF example of Apptainer's user guide (definition_files.rst, "SCIF Apps"), its base a local image.
const char* guide_example =
    "Bootstrap: localimage\n"
    "From: base.sif\n"
    "\n"
    "%environment\n"
    "    GLOBAL=variables\n"
    "    AVAILABLE=\"to all apps\"\n"
    "\n"
    "##############################\n"
    "# foo\n"
    "##############################\n"
    "\n"
    "%apprun foo\n"
    "    exec echo \"RUNNING FOO\"\n"
    "\n"
    "%applabels foo\n"
    "   BESTAPP FOO\n"
    "\n"
    "%appinstall foo\n"
    "   touch foo.exec\n"
    "\n"
    "%appenv foo\n"
    "    SOFTWARE=foo\n"
    "    export SOFTWARE\n"
    "\n"
    "%apphelp foo\n"
    "    This is the help for foo.\n"
    "\n"
    "%appfiles foo\n"
    "   foo.txt\n"
    "\n"
    "##############################\n"
    "# bar\n"
    "##############################\n"
    "\n"
    "%apphelp bar\n"
    "    This is the help for bar.\n"
    "\n"
    "%applabels bar\n"
    "   BESTAPP BAR\n"
    "\n"
    "%appinstall bar\n"
    "    touch bar.exec\n"
    "\n"
    "%appenv bar\n"
    "    SOFTWARE=bar\n"
    "    export SOFTWARE\n";

std::string app_error(const std::string& sections) { return error_of("Bootstrap: docker\n" + sections); }

}  // namespace

TEST_CASE("app sections: the user guide's example, foo and bar in the order they first appear", "[definition][scif]") {
    DefinitionStage stage = single_stage(guide_example);
    CHECK(stage.environment.body == "    GLOBAL=variables\n    AVAILABLE=\"to all apps\"\n\n##############################\n"
                                    "# foo\n##############################\n\n");
    REQUIRE(stage.apps.size() == 2);
    const ScifApp& foo = stage.apps[0];
    CHECK(foo.name == "foo");
    CHECK(foo.line == 12);
    CHECK(foo.run == Script{"    exec echo \"RUNNING FOO\"\n\n", "", 12});
    CHECK(foo.labels == KeyValues{{"BESTAPP", "FOO"}});
    CHECK(foo.install == Script{"   touch foo.exec\n\n", "", 18});
    CHECK(foo.environment == Script{"    SOFTWARE=foo\n    export SOFTWARE\n\n", "", 21});
    CHECK(foo.help == Script{"    This is the help for foo.\n\n", "", 25});
    CHECK(foo.files == std::vector<FileCopy>{{"foo.txt", "/scif/apps/foo/foo.txt", 29}});
    CHECK(foo.test == Script{});
    CHECK(foo.start == Script{});
    const ScifApp& bar = stage.apps[1];
    CHECK(bar.name == "bar");
    CHECK(bar.line == 35);
    CHECK(bar.help.body == "    This is the help for bar.\n\n");
    CHECK(bar.labels == KeyValues{{"BESTAPP", "BAR"}});
    CHECK(bar.install.body == "    touch bar.exec\n\n");
    CHECK(bar.environment.body == "    SOFTWARE=bar\n    export SOFTWARE\n");
    CHECK(bar.run == Script{});
    CHECK(bar.files.empty());
}

TEST_CASE("app sections: a repeated section is joined in file order, %appstart and %apptest kept", "[definition][scif]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%apprun one\na\n%apprun two\nb\n%apprun one  # the rest of one's\nc\n"
        "%appstart one\nserve\n%apptest two\ncheck\n%applabels one\nK 1\nK 2\nL  spaced value \n");
    REQUIRE(stage.apps.size() == 2);
    CHECK(stage.apps[0].name == "one");
    CHECK(stage.apps[0].run == Script{"a\nc\n", "", 2});
    CHECK(stage.apps[0].start == Script{"serve\n", "", 8});
    CHECK(stage.apps[0].labels == KeyValues{{"K", "2"}, {"L", "spaced value"}});
    CHECK(stage.apps[1].name == "two");
    CHECK(stage.apps[1].run == Script{"b\n", "", 4});
    CHECK(stage.apps[1].test == Script{"check\n", "", 10});
}

TEST_CASE("app sections: each stage has its own apps", "[definition][scif]") {
    hpc::image::Definition definition =
        parse("Bootstrap: docker\nStage: one\n%apprun a\nx\nBootstrap: docker\nStage: two\n%apprun b\ny\n");
    REQUIRE(definition.stages.size() == 2);
    REQUIRE(definition.stages[0].apps.size() == 1);
    CHECK(definition.stages[0].apps[0].name == "a");
    REQUIRE(definition.stages[1].apps.size() == 1);
    CHECK(definition.stages[1].apps[0].name == "b");
    CHECK(definition.stages[1].apps[0].line == 7);
}

TEST_CASE("app sections: %appfiles destinations are inside the app's folder", "[definition][scif]") {
    DefinitionStage stage = single_stage(
        "Bootstrap: docker\n%appfiles tool\n  data.txt\n  conf/a.conf\n  /opt/x.sh bin/x\n  y \"/etc/my y\"  # comment\n"
        "  'z z' .\n  # a comment line\n  w /\n");
    REQUIRE(stage.apps.size() == 1);
    CHECK(stage.apps[0].files == std::vector<FileCopy>{{"data.txt", "/scif/apps/tool/data.txt", 3},
                                                       {"conf/a.conf", "/scif/apps/tool/conf/a.conf", 4},
                                                       {"/opt/x.sh", "/scif/apps/tool/bin/x", 5},
                                                       {"y", "/scif/apps/tool/etc/my y", 6},
                                                       {"z z", "/scif/apps/tool/.", 7},
                                                       {"w", "/scif/apps/tool/", 9}});
    // A source without a destination keeps its own path, as Apptainer joins it to the folder.
    CHECK(single_stage("Bootstrap: docker\n%appfiles t\n/opt/a/b\n").apps[0].files.at(0).destination ==
          "/scif/apps/t/opt/a/b");
}

TEST_CASE("app sections: an %appfiles destination outside the app's folder is refused with its line", "[definition][scif]") {
    CHECK(app_error("%appfiles foo\nok\nsrc ../other/x\n") ==
          "app.def:4: %appfiles foo destination \"../other/x\" is outside the app's folder /scif/apps/foo");
    CHECK(app_error("%appfiles foo\n../x\n") ==
          "app.def:3: %appfiles foo destination \"../x\" is outside the app's folder /scif/apps/foo");
    CHECK(app_error("%appfiles foo\nsrc a/../../../etc/passwd\n") ==
          "app.def:3: %appfiles foo destination \"a/../../../etc/passwd\" is outside the app's folder /scif/apps/foo");
    CHECK(app_error("%appfiles foo\na b c\n") ==
          "app.def:3: %appfiles foo line \"a b c\" has more than a source and a destination (quote a path that holds spaces)");
    CHECK(app_error("%appfiles foo\n\"a b\n") == "app.def:3: %appfiles foo line \"\"a b\" has an unterminated quote");
}

TEST_CASE("app sections: a section without an app's name, or with words after it, is refused", "[definition][scif]") {
    CHECK(app_error("%post\nx\n%apprun\ny\n") == "app.def:4: %apprun: an app section names its app (%apprun NAME)");
    CHECK(app_error("%appinstall   # no name\ny\n") ==
          "app.def:2: %appinstall: an app section names its app (%appinstall NAME)");
    CHECK(app_error("%apprun foo -c /bin/bash\ny\n") ==
          "app.def:2: %apprun foo: \"-c\" after the app's name (app sections take no arguments)");
}

TEST_CASE("app sections: names are one path component of letters, digits, _ . and -", "[definition][scif]") {
    for (const char* name : {"a", "foo", "my-app", "tool.v2", "_x", "9lives", "A_B-c.d"}) {
        INFO(name);
        CHECK(single_stage(std::string("Bootstrap: docker\n%apprun ") + name + "\nx\n").apps.at(0).name == name);
    }
    std::string longest(hpc::scif::max_name_bytes, 'n');
    CHECK(single_stage("Bootstrap: docker\n%apprun " + longest + "\nx\n").apps.at(0).name == longest);
    const std::string rule =
        " (an app's name is letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 64 bytes)";
    for (const char* name : {"../etc", "a/b", ".hidden", "..", "-x", "caf\xc3\xa9", "a$b", "a\"b"}) {
        INFO(name);
        CHECK(app_error(std::string("%apprun ") + name + "\nx\n") ==
              std::string("app.def:2: %apprun ") + name + ": not an app name" + rule);
    }
    CHECK(app_error("%appenv " + longest + "n\nx\n") == "app.def:2: %appenv " + longest + "n: not an app name" + rule);
}

TEST_CASE("app sections: at most scif::max_apps apps in a stage", "[definition][scif]") {
    std::string text = "Bootstrap: docker\n";
    for (std::size_t index = 0; index < hpc::scif::max_apps; ++index) text += "%apprun app" + std::to_string(index) + "\n";
    CHECK(single_stage(text).apps.size() == hpc::scif::max_apps);
    CHECK(single_stage(text + "%apptest app0\n").apps.size() == hpc::scif::max_apps);  // an app it has
    CHECK(error_of(text + "%apphelp one-more\n") ==
          "app.def:" + std::to_string(hpc::scif::max_apps + 2) + ": %apphelp one-more: more than 256 SCIF apps in one stage");
}

TEST_CASE("scif layout: paths, the variable suffix and the active app's variables", "[scif]") {
    CHECK(hpc::scif::app_root("foo") == "/scif/apps/foo");
    CHECK(hpc::scif::app_meta("foo") == "/scif/apps/foo/scif");
    CHECK(hpc::scif::app_data("foo") == "/scif/data/foo");
    CHECK(hpc::scif::app_meta_file("foo", hpc::scif::environment_file) == "/scif/apps/foo/scif/env/90-environment.sh");
    CHECK(hpc::scif::variable_suffix("my-app.v2_x") == "my_app_v2_x");
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(hpc::scif::active_app_variables("foo") ==
          Pairs{{"SCIF_APPNAME", "foo"},
                {"SCIF_APPS", "/scif/apps"},
                {"SCIF_APPROOT", "/scif/apps/foo"},
                {"SCIF_APPMETA", "/scif/apps/foo/scif"},
                {"SCIF_APPBIN", "/scif/apps/foo/bin"},
                {"SCIF_APPLIB", "/scif/apps/foo/lib"},
                {"SCIF_DATA", "/scif/data"},
                {"SCIF_APPDATA", "/scif/data/foo"},
                {"SCIF_APPINPUT", "/scif/data/foo/input"},
                {"SCIF_APPOUTPUT", "/scif/data/foo/output"}});
}
