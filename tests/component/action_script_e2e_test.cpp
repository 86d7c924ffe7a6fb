// Apptainer's e2e/env tests (env.go, regressions.go), with their expected output, run through
// hpc's action script by real shells (action_script_harness.hpp).
#include "action_script_harness.hpp"

using namespace hpc::sandbox;
using namespace hpc::test::action_script;

TEST_CASE("action script: e2e env eval table, with and without --no-eval") {
    struct Case {
        std::string value;
        bool no_eval;
        std::string expected;
    };
    const std::string uid = uid_text();
    const std::vector<Case> cases = {
        {"ME", false, "ME"},
        {"$UID", false, uid},
        {"\"$UID\"", false, "\"" + uid + "\""},
        {"'$UID'", false, "'" + uid + "'"},
        {"\\$UID", false, "$UID"},
        {"$(id -u)", false, uid},
        {"\"$(id -u)\"", false, "\"" + uid + "\""},
        {"'$(id -u)'", false, "'" + uid + "'"},
        {"\\$(id -u)", false, "$(id -u)"},
        {"ME", true, "ME"},
        {"$UID", true, "$UID"},
        {"\"$UID\"", true, "\"$UID\""},
        {"'$UID'", true, "'$UID'"},
        {"\\$UID", true, "\\$UID"},
        {"$(id -u)", true, "$(id -u)"},
        {"\"$(id -u)\"", true, "\"$(id -u)\""},
        {"'$(id -u)'", true, "'$(id -u)'"},
        {"\\$(id -u)", true, "\\$(id -u)"},
    };
    Image image("custom");
    for (const Shell& shell : shells()) {
        CHECK(echo_in(shell, image, request_for(image), "echo $WHO") == "");
        for (const Case& c : cases) {
            INFO(shell.name << ": APPTAINERENV_WHO=" << c.value << (c.no_eval ? " --no-eval" : ""));
            EnvironmentRequest request = request_for(image, {"APPTAINERENV_WHO=" + c.value});
            request.no_eval = c.no_eval;
            CHECK(echo_in(shell, image, request, "echo $WHO") == c.expected);
        }
    }
}

TEST_CASE("action script: e2e environment manipulation (PATH from the prefixed variables)") {
    struct Case {
        std::string image;
        std::vector<std::string> host;
        std::string path;
    };
    const std::vector<Case> cases = {
        {"default", {}, default_path_text},
        {"custom", {}, custom_path},
        {"default", {"APPTAINERENV_APPEND_PATH=/foo"}, default_path_text + ":/foo"},
        {"custom", {"APPTAINERENV_APPEND_PATH=/foo"}, custom_path + ":/foo"},
        {"default", {"APPTAINERENV_PREPEND_PATH=/foo"}, "/foo:" + default_path_text},
        {"custom", {"APPTAINERENV_PREPEND_PATH=/foo"}, "/foo:" + custom_path},
        {"default", {"APPTAINERENV_PATH=/usr/bin:/bin"}, "/usr/bin:/bin"},
        {"custom", {"APPTAINERENV_PATH=/usr/bin:/bin"}, "/usr/bin:/bin"},
        {"default", {"APPTAINERENV_PATH=/usr/bin:/bin,"}, "/usr/bin:/bin,"},
        {"none", {}, default_path_text},
        {"none", {"APPTAINERENV_PATH=/usr/bin:/bin", "APPTAINERENV_APPEND_PATH=/a"}, "/usr/bin:/bin"},
        {"none", {"HPCENV_PREPEND_PATH=/p", "APPTAINERENV_APPEND_PATH=/a"}, "/p:" + default_path_text + ":/a"},
    };
    for (const Case& c : cases) {
        Image image(c.image);
        for (const Shell& shell : shells()) {
            INFO(shell.name << ", " << c.image << " image, host " << (c.host.empty() ? "" : c.host.front()));
            CHECK(echo_in(shell, image, request_for(image, c.host), "echo $PATH") == c.path);
        }
    }
}

TEST_CASE("action script: e2e environment option (--env)") {
    struct Case {
        std::string name;
        std::string image;
        std::vector<std::string> env;
        std::vector<std::string> host;
        std::string variable;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"DefaultPath", "default", {}, {}, "PATH", default_path_text},
        {"DefaultPathOverride", "default", {"PATH=/"}, {}, "PATH", "/"},
        {"AppendDefaultPath", "default", {"APPEND_PATH=/foo"}, {}, "PATH", default_path_text + ":/foo"},
        {"PrependDefaultPath", "default", {"PREPEND_PATH=/foo"}, {}, "PATH", "/foo:" + default_path_text},
        {"DefaultPathImage", "custom", {}, {}, "PATH", custom_path},
        {"DefaultPathTestImageOverride", "custom", {"PATH=/"}, {}, "PATH", "/"},
        {"AppendDefaultPathTestImage", "custom", {"APPEND_PATH=/foo"}, {}, "PATH", custom_path + ":/foo"},
        {"AppendLiteralDefaultPathTestImage", "custom", {"PATH=$PATH:/foo"}, {}, "PATH", custom_path + ":/foo"},
        {"PrependDefaultPathTestImage", "custom", {"PREPEND_PATH=/foo"}, {}, "PATH", "/foo:" + custom_path},
        {"PrependLiteralDefaultPathTestImage", "custom", {"PATH=/foo:$PATH"}, {}, "PATH", "/foo:" + custom_path},
        {"TestImageCgoEnabledDefault", "custom", {}, {}, "CGO_ENABLED", "0"},
        {"TestImageCgoEnabledOverride", "custom", {"CGO_ENABLED=1"}, {}, "CGO_ENABLED", "1"},
        {"TestImageCgoEnabledOverride_KO", "custom", {}, {"CGO_ENABLED=1"}, "CGO_ENABLED", "0"},
        {"TestImageCgoEnabledOverrideFromEnv", "custom", {}, {"APPTAINERENV_CGO_ENABLED=1"}, "CGO_ENABLED", "1"},
        {"TestImageCgoEnabledOverrideEnvOptionPrecedence", "custom", {"CGO_ENABLED=2"},
         {"APPTAINERENV_CGO_ENABLED=1"}, "CGO_ENABLED", "2"},
        {"TestImageCgoEnabledOverrideEmpty", "custom", {"CGO_ENABLED="}, {}, "CGO_ENABLED", ""},
        {"TestImageOverrideHost", "custom", {"FOO=foo"}, {"FOO=bar"}, "FOO", "foo"},
        {"TestMultiLine", "custom", {}, {"MULTI=Hello\nWorld"}, "MULTI", "Hello\nWorld"},
        {"TestEscapedNewline", "custom", {}, {"ESCAPED=Hello\\nWorld"}, "ESCAPED", "Hello\\nWorld"},
        {"TestInvalidKey", "custom", {}, {"BASH_FUNC_ml%%=TEST"}, "BASH_FUNC_ml%%", ""},
        {"TestDefaultLdLibraryPath", "default", {}, {}, "LD_LIBRARY_PATH", "/.singularity.d/libs"},
        {"TestCustomTrailingCommaPath", "default", {"LD_LIBRARY_PATH=/foo,"}, {}, "LD_LIBRARY_PATH",
         "/foo,:/.singularity.d/libs"},
        {"TestCustomLdLibraryPath", "default", {"LD_LIBRARY_PATH=/foo"}, {}, "LD_LIBRARY_PATH",
         "/foo:/.singularity.d/libs"},
        {"NoScriptsLdLibraryPath", "none", {"LD_LIBRARY_PATH=/foo"}, {}, "LD_LIBRARY_PATH", "/foo:/.singularity.d/libs"},
        {"NoScriptsNoLdLibraryPath", "none", {}, {"LD_LIBRARY_PATH=/host"}, "LD_LIBRARY_PATH", ""},
        {"TestNoEnvHostPathAndHome", "default", {}, {"PATH=/host/bin", "HOME=/host/home"}, "HOME", "/home/test"},
    };
    for (const Case& c : cases) {
        Image image(c.image);
        for (const Shell& shell : shells()) {
            INFO(shell.name << ": " << c.name);
            EnvironmentRequest request = request_for(image, c.host);
            if (!c.env.empty()) {
                std::string joined;
                for (const std::string& pair : c.env) joined += (joined.empty() ? "" : ",") + pair;
                request.env_options = {joined};
            }
            CHECK(value_in(shell, image, request, c.variable) == c.expected);
        }
    }
}

TEST_CASE("action script: e2e environment file") {
    struct Case {
        std::string name;
        std::vector<std::string> files;
        std::vector<std::string> env;
        std::string variable;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"DefaultPathOverride", {"PATH=/"}, {}, "PATH", "/"},
        {"DefaultPathOverrideEnvOptionPrecedence", {"PATH=/"}, {"PATH=/etc"}, "PATH", "/etc"},
        {"DefaultPathOverrideEnvFileOptionPrecedence", {"PATH=/", "PATH=/etc"}, {}, "PATH", "/etc"},
        {"DefaultPathOverrideEnvAndEnvFileOptionPrecedence", {"PATH=/", "PATH=/foo"}, {"PATH=/etc"}, "PATH", "/etc"},
        {"AppendDefaultPath", {"APPEND_PATH=/"}, {}, "PATH", custom_path + ":/"},
        {"AppendLiteralDefaultPath", {R"(PATH="\$PATH:/")"}, {}, "PATH", custom_path + ":/"},
        {"PrependLiteralDefaultPath", {R"(PATH="/:\$PATH")"}, {}, "PATH", "/:" + custom_path},
        {"PrependDefaultPath", {"PREPEND_PATH=/"}, {}, "PATH", "/:" + custom_path},
        {"DefaultLdLibraryPath", {}, {}, "LD_LIBRARY_PATH", "/.singularity.d/libs"},
        {"CustomLdLibraryPath", {"LD_LIBRARY_PATH=/foo"}, {}, "LD_LIBRARY_PATH", "/foo:/.singularity.d/libs"},
        {"CustomTrailingCommaPath", {"LD_LIBRARY_PATH=/foo,"}, {}, "LD_LIBRARY_PATH", "/foo,:/.singularity.d/libs"},
        {"UnescapedDollarIsTheContainers", {"PATH=$PATH:/x"}, {}, "PATH", custom_path + ":/x"},
        {"SingleQuotedMultiLine", {"A='one\ntwo'"}, {}, "A", "one\ntwo"},
        {"ReadonlyNamesIgnored", {"UID=0\nEUID=0\nGID=0\nB=fine"}, {}, "B", "fine"},
    };
    for (const Case& c : cases) {
        Image image("custom");
        for (const Shell& shell : shells()) {
            INFO(shell.name << ": " << c.name);
            EnvironmentRequest request = request_for(image);
            for (size_t i = 0; i < c.files.size(); ++i)
                request.env_files.push_back({"env.file" + std::to_string(i), c.files[i]});
            if (!c.env.empty()) request.env_options = c.env;
            CHECK(echo_in(shell, image, request, "echo \"$" + c.variable + "\"") == c.expected);
        }
    }
}

TEST_CASE("action script: issue 43: an escaped $ stays a $ (LD_PRELOAD with $LIB)") {
    Image image("custom");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        // The loader complains on stderr that the library is not there, as it should.
        Outcome outcome = run_action(shell, image, request_for(image, {R"(APPTAINERENV_LD_PRELOAD=/foo/bar/\$LIB/baz.so)"}),
                                     Action::exec, {"/bin/sh", "-c", "echo \"${LD_PRELOAD}\""});
        CHECK(outcome.status == 0);
        CHECK(outcome.out == "/foo/bar/$LIB/baz.so\n");
    }
}

TEST_CASE("action script: issue 5426: an old image's /environment sets PATH, the default one completes it") {
    Image image("none");
    image.facts().env_scripts = {image.dir().write("environment",
                                                   "if test -z \"$APPTAINER_INIT\"; then\n"
                                                   "    PATH=\"/canary/path:$PATH\"\n    APPTAINER_INIT=1\n"
                                                   "    export PATH APPTAINER_INIT\nfi\n")};
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(value_in(shell, image, request_for(image), "PATH") == "/canary/path:" + default_path_text);
    }
}
