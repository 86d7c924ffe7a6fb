// A launch in a SCIF app (--app): the payload command and hpc's action script in real shells
// (action_script_harness.hpp): the SCIF_* variables, PATH and LD_LIBRARY_PATH, where the app is
// made active among the image's scripts, what run and test exec, and what is refused. The app's
// own files are under /scif, which the harness's stand-in image has not got: sourcing them is
// the integration tests' (tests/integration/scif.bats).
#include "sandbox/environment/scif_environment.hpp"

#include "action_script_harness.hpp"
#include "thrown_error.hpp"

using namespace hpc::sandbox;
using namespace hpc::test::action_script;

namespace {

ScifAppFacts app_foo() {
    ScifAppFacts app;
    app.name = "foo";
    app.has_runscript = app.has_help = app.has_labels = app.has_environment = app.has_bin = app.has_lib = true;
    return app;
}

// `image` ("custom": e2e/testdata/Apptainer's, whose %environment adds to PATH) with apps, and
// Apptainer's 95-apps.sh standing in as a script that says it ran.
void add_apps(Image& image, const ScifAppFacts& app) {
    image.add_script("94-appsbase.sh", "export SCIF_APPROOT_foo=/scif/apps/foo\n");
    image.add_script("95-apps.sh", "export SOURCED_95=yes\n");
    image.facts().app = app;
}

std::string script_of(Image& image, Action action, const std::vector<std::string>& args = {}) {
    PayloadCommand command = payload_command(plan_environment(request_for(image)), image.facts(), action, args, "");
    REQUIRE(command.via_shell);
    return command.argv.at(2);
}

}  // namespace

TEST_CASE("scif: an app's variables, bin first on PATH, lib first on LD_LIBRARY_PATH", "[scif]") {
    Image image("custom");
    add_apps(image, app_foo());
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome outcome = run_action(shell, image, request_for(image), Action::exec, {"/usr/bin/env", "-0"});
        INFO(outcome.err);
        REQUIRE(outcome.status == 0);
        std::map<std::string, std::string> vars = environment_map(outcome.out);
        std::map<std::string, std::string> scif;
        for (const auto& [name, value] : vars)
            if (name.starts_with("SCIF_")) scif[name] = value;
        CHECK(scif == std::map<std::string, std::string>{
                          {"SCIF_APPNAME", "foo"},
                          {"SCIF_APPS", "/scif/apps"},
                          {"SCIF_APPROOT", "/scif/apps/foo"},
                          {"SCIF_APPMETA", "/scif/apps/foo/scif"},
                          {"SCIF_APPBIN", "/scif/apps/foo/bin"},
                          {"SCIF_APPLIB", "/scif/apps/foo/lib"},
                          {"SCIF_DATA", "/scif/data"},
                          {"SCIF_APPDATA", "/scif/data/foo"},
                          {"SCIF_APPINPUT", "/scif/data/foo/input"},
                          {"SCIF_APPOUTPUT", "/scif/data/foo/output"},
                          {"SCIF_APPRUN", "/scif/apps/foo/scif/runscript"},
                          {"SCIF_APPHELP", "/scif/apps/foo/scif/runscript.help"},
                          {"SCIF_APPLABELS", "/scif/apps/foo/scif/labels.json"},
                          {"SCIF_APPENV", "/scif/apps/foo/scif/env/90-environment.sh"},
                          {"SCIF_APPROOT_foo", "/scif/apps/foo"},  // from 94-appsbase.sh
                      });
        // After 90-environment.sh's PATH, before 99-base.sh's /.singularity.d/libs.
        CHECK(vars["PATH"] == "/scif/apps/foo/bin:/scif/apps/foo:" + custom_path);
        CHECK(vars["LD_LIBRARY_PATH"] == "/scif/apps/foo/lib:/.singularity.d/libs");
        // hpc made the app active itself: the image's 95-apps.sh was not sourced.
        CHECK(vars.count("SOURCED_95") == 0);
    }
}

TEST_CASE("scif: an app without bin and lib adds only its root to PATH, no variable for a missing file", "[scif]") {
    ScifAppFacts bare;
    bare.name = "bare";
    Image image("custom");
    add_apps(image, bare);
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image);
        CHECK(echo_in(shell, image, request, "echo \"$PATH|$LD_LIBRARY_PATH|${SCIF_APPRUN-none}|${SCIF_APPENV-none}\"") ==
              "/scif/apps/bare:" + custom_path + "|/.singularity.d/libs|none|none");
    }
}

TEST_CASE("scif: without --app the image's 95-apps.sh is sourced as before and no SCIF_APPNAME is set", "[scif]") {
    Image image("custom");
    add_apps(image, app_foo());
    image.facts().app.reset();
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(echo_in(shell, image, request_for(image), "echo \"${SOURCED_95-no} ${SCIF_APPNAME-none} $PATH\"") ==
              "yes none " + custom_path);
    }
}

TEST_CASE("scif: the user's values come after the app's, and PREPEND_PATH goes before its bin", "[scif]") {
    Image image("custom");
    add_apps(image, app_foo());
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image);
        request.env_options = {"SCIF_APPDATA=/data", "PREPEND_PATH=/first"};
        CHECK(echo_in(shell, image, request, "echo \"$SCIF_APPDATA $PATH\"") ==
              "/data /first:/scif/apps/foo/bin:/scif/apps/foo:" + custom_path);
    }
}

TEST_CASE("scif: the activation sits where 95-apps.sh was, sourcing the app's 01-base.sh then its %appenv", "[scif]") {
    Image image("custom");
    add_apps(image, app_foo());
    std::string script = script_of(image, Action::exec, {"true"});
    size_t appsbase = script.find("94-appsbase.sh");
    size_t activation = script.find("# the SCIF app foo, active\n");
    size_t base = script.find(". '/scif/apps/foo/scif/env/01-base.sh'\n");
    size_t appenv = script.find(". '/scif/apps/foo/scif/env/90-environment.sh'\n");
    size_t base99 = script.find("99-base.sh");
    REQUIRE(activation != std::string::npos);
    CHECK(appsbase < activation);
    CHECK(activation < base);
    CHECK(base < appenv);
    CHECK(appenv < base99);
    CHECK(script.find("95-apps.sh") == std::string::npos);
    // In an image without any script of its own, the shell still makes the app active.
    Image bare("none");
    bare.facts().app = app_foo();
    CHECK(script_of(bare, Action::exec, {"true"}).find("# the SCIF app foo, active\n") != std::string::npos);
}

TEST_CASE("scif: run and test exec the app's runscript and test, with the arguments", "[scif]") {
    ScifAppFacts app = app_foo();
    app.has_test = true;
    Image image("custom");
    add_apps(image, app);
    CHECK(script_of(image, Action::run, {"a"}).ends_with("exec '/scif/apps/foo/scif/runscript' \"$@\"\n"));
    CHECK(script_of(image, Action::test).ends_with("exec '/scif/apps/foo/scif/test' \"$@\"\n"));
    PayloadCommand run = payload_command(plan_environment(request_for(image)), image.facts(), Action::run, {"a", "b"}, "");
    CHECK(std::vector<std::string>(run.argv.begin() + 3, run.argv.end()) == std::vector<std::string>{"hpc", "a", "b"});
    CHECK(run.notice.empty());
}

TEST_CASE("scif: an instance's start execs the app's startscript, refused without %appstart", "[scif]") {
    ScifAppFacts app = app_foo();
    app.has_startscript = true;
    Image image("custom");
    add_apps(image, app);
    CHECK(script_of(image, Action::start, {"a"}).ends_with("exec '/scif/apps/foo/scif/startscript' \"$@\"\n"));
    image.facts().app->has_startscript = false;
    ContainerEnvironment environment = plan_environment(request_for(image));
    CHECK(hpc::test::error_message([&] { payload_command(environment, image.facts(), Action::start, {}, ""); },
                                   hpc::ExitCode::data) == "the app foo has no startscript (no %appstart foo)");
}

TEST_CASE("scif: run of an app without %apprun and test of one without %apptest are refused", "[scif]") {
    ScifAppFacts app;
    app.name = "tool";
    Image image("custom");
    add_apps(image, app);
    ContainerEnvironment environment = plan_environment(request_for(image));
    CHECK(hpc::test::error_message([&] { payload_command(environment, image.facts(), Action::run, {}, ""); },
                                   hpc::ExitCode::data) == "the app tool has no runscript (no %apprun tool)");
    CHECK(hpc::test::error_message([&] { payload_command(environment, image.facts(), Action::test, {}, ""); },
                                   hpc::ExitCode::data) == "the app tool has no test (no %apptest tool)");
    // exec and shell need neither.
    CHECK(payload_command(environment, image.facts(), Action::exec, {"true"}, "").via_shell);
    CHECK(payload_command(environment, image.facts(), Action::shell, {}, "").via_shell);
}

TEST_CASE("scif: APPTAINER_APPNAME and SINGULARITY_APPNAME name the app", "[scif]") {
    CHECK(app_runtime_variables("foo") == EnvVars{{"APPTAINER_APPNAME", "foo"}, {"SINGULARITY_APPNAME", "foo"}});
}
