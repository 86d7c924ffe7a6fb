// plan_environment: which variables come from where, with Apptainer's e2e/env cases where
// they are decided before anything runs. What the container's shell then makes of them is
// tested in action_script_test.cpp.
#include "common/error.hpp"
#include "sandbox/environment/env_file.hpp"
#include "sandbox/environment/environment.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <ctime>

namespace Catch {
template <>
struct StringMaker<std::pair<std::string, std::string>> {
    static std::string convert(const std::pair<std::string, std::string>& var) { return var.first + "=" + var.second; }
};
}  // namespace Catch

using hpc::sandbox::ContainerEnvironment;
using hpc::sandbox::EnvironmentRequest;
using hpc::sandbox::EnvVars;
using hpc::sandbox::plan_environment;

namespace {

EnvironmentRequest request_with(std::vector<std::string> host_environ) {
    EnvironmentRequest request;
    request.host_environ = std::move(host_environ);
    request.home = "/home/alice";
    return request;
}

std::optional<std::string> lookup(const EnvVars& vars, const std::string& name) {
    for (const auto& [key, value] : vars)
        if (key == name) return value;
    return std::nullopt;
}

std::vector<std::string> names(const EnvVars& vars) {
    std::vector<std::string> list;
    for (const auto& [key, value] : vars) list.push_back(key);
    return list;
}

std::string usage_error(const EnvironmentRequest& request) {
    return hpc::test::error_message([&] { plan_environment(request); });
}

}  // namespace

TEST_CASE("environment: the base is HOME, the default PATH, PWD and hpc's runtime variables") {
    EnvironmentRequest request = request_with({"HOME=/host/home", "PATH=/host/bin", "PWD=/host/cwd"});
    request.cwd = "/work";
    request.runtime = {{"APPTAINER_CONTAINER", "/images/a.sif"}, {"APPTAINER_NAME", "a.sif"}};
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.base == EnvVars{{"HOME", "/home/alice"},
                                      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                                      {"PWD", "/work"},
                                      {"APPTAINER_CONTAINER", "/images/a.sif"},
                                      {"APPTAINER_NAME", "a.sif"}});
    CHECK(environment.host.empty());
    CHECK(environment.injected.empty());
    CHECK(environment.evaluate);
    CHECK(environment.warnings.empty());
}

TEST_CASE("environment: an unknown working directory leaves PWD out") {
    ContainerEnvironment environment = plan_environment(request_with({"PWD=/host/cwd"}));
    CHECK_FALSE(lookup(environment.base, "PWD"));
    CHECK(environment.host.empty());
}

TEST_CASE("environment: host variables pass in order, except the omitted ones and the runtime's settings") {
    ContainerEnvironment environment = plan_environment(request_with({
        "FOO=bar", "HOME=/h", "PATH=/p", "LD_LIBRARY_PATH=/l", "TERM=xterm", "APPTAINER_BIND=/x",
        "SINGULARITY_SHELL=/bin/zsh", "HPC_CONFIG=/etc/hpc.toml", "APPTAINER_APPNAME=app", "EMPTY=",
        "MULTI=Hello\nWorld", "ESCAPED=Hello\\nWorld", "BASH_FUNC_ml%%=() { echo; }", "1BAD=x", "NOEQUALS",
        "FOO=second", "LANG=en_US.UTF-8",
    }));
    CHECK(environment.host == EnvVars{{"FOO", "bar"},
                                      {"TERM", "xterm"},
                                      {"EMPTY", ""},
                                      {"MULTI", "Hello\nWorld"},
                                      {"ESCAPED", "Hello\\nWorld"},
                                      {"LANG", "en_US.UTF-8"}});
}

TEST_CASE("environment: --cleanenv passes only TERM and the proxy variables, and sets LANG=C") {
    EnvironmentRequest request = request_with({"FOO=bar", "TERM=xterm", "http_proxy=http://p:3128",
                                               "HTTPS_PROXY=http://q", "no_proxy=localhost", "LANG=fr_FR.UTF-8",
                                               "APPTAINERENV_KEPT=yes"});
    request.clean_env = true;
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.host == EnvVars{{"LANG", "C"},
                                      {"TERM", "xterm"},
                                      {"http_proxy", "http://p:3128"},
                                      {"HTTPS_PROXY", "http://q"},
                                      {"no_proxy", "localhost"}});
    CHECK(environment.injected == EnvVars{{"KEPT", "yes"}});
}

TEST_CASE("environment: --cleanenv with a LANG of the user's gives no LANG=C") {
    EnvironmentRequest request = request_with({"APPTAINERENV_LANG=de_DE.UTF-8"});
    request.clean_env = true;
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.host.empty());
    CHECK(environment.injected == EnvVars{{"LANG", "de_DE.UTF-8"}});
}

TEST_CASE("environment: HPCENV_ beats APPTAINERENV_ beats SINGULARITYENV_, with a warning when they differ") {
    ContainerEnvironment environment = plan_environment(request_with({
        "SINGULARITYENV_A=s", "APPTAINERENV_A=a", "HPCENV_A=h", "SINGULARITYENV_B=s", "APPTAINERENV_B=a",
        "SINGULARITYENV_C=same", "APPTAINERENV_C=same", "SINGULARITYENV_D=only",
    }));
    CHECK(environment.injected == EnvVars{{"A", "h"}, {"B", "a"}, {"C", "same"}, {"D", "only"}});
    CHECK(environment.warnings == std::vector<std::string>{"APPTAINERENV_A is ignored: HPCENV_A already sets A",
                                                           "SINGULARITYENV_A is ignored: HPCENV_A already sets A",
                                                           "SINGULARITYENV_B is ignored: APPTAINERENV_B already sets B"});
}

TEST_CASE("environment: a prefix alone or with an invalid name is not a value") {
    ContainerEnvironment environment = plan_environment(request_with({"APPTAINERENV_=x", "APPTAINERENV_A-B=x"}));
    CHECK(environment.injected.empty());
    CHECK(environment.warnings ==
          std::vector<std::string>{"APPTAINERENV_A-B is ignored: 'A-B' is not a valid variable name"});
}

TEST_CASE("environment: a value of the user's hides the host's variable of that name") {
    // e2e TestImageOverrideHost: FOO=bar on the host, --env FOO=foo
    EnvironmentRequest request = request_with({"FOO=bar", "BAR=kept"});
    request.env_options = {"FOO=foo"};
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.injected == EnvVars{{"FOO", "foo"}});
    CHECK(environment.host == EnvVars{{"BAR", "kept"}});
}

TEST_CASE("environment: PATH, APPEND_PATH and PREPEND_PATH act after the image's scripts") {
    EnvironmentRequest request =
        request_with({"APPTAINERENV_APPEND_PATH=/a", "SINGULARITYENV_PREPEND_PATH=/p", "HPCENV_PATH=/usr/bin:/bin,"});
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.injected == EnvVars{{"SING_USER_DEFINED_PATH", "/usr/bin:/bin,"},
                                          {"SING_USER_DEFINED_APPEND_PATH", "/a"},
                                          {"SING_USER_DEFINED_PREPEND_PATH", "/p"}});
}

TEST_CASE("environment: HOME and the shell and app settings cannot be set, with a warning") {
    EnvironmentRequest request = request_with({"APPTAINERENV_HOME=/x", "APPTAINERENV_APPTAINER_APPNAME=foo",
                                               "SINGULARITYENV_SINGULARITY_SHELL=/bin/zsh",
                                               "APPTAINERENV_APPTAINER_OTHER=fine"});
    request.env_options = {"HOME=/y"};
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.injected == EnvVars{{"APPTAINER_OTHER", "fine"}});
    CHECK(environment.warnings ==
          std::vector<std::string>{"APPTAINERENV_HOME is ignored: HOME cannot be set in the container",
                                   "APPTAINERENV_APPTAINER_APPNAME is ignored: APPTAINER_APPNAME cannot be set in "
                                   "the container",
                                   "SINGULARITYENV_SINGULARITY_SHELL is ignored: SINGULARITY_SHELL cannot be set in "
                                   "the container",
                                   "--env HOME is ignored: HOME cannot be set in the container"});
}

TEST_CASE("environment: UID, GID and hpc's runtime variables cannot be set") {
    EnvironmentRequest request = request_with({"APPTAINERENV_UID=0", "APPTAINERENV_APPTAINER_NAME=x"});
    request.env_options = {"GID=0,SHELLOPTS=xtrace"};
    request.runtime = {{"APPTAINER_NAME", "a.sif"}};
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.injected.empty());
    CHECK(environment.warnings ==
          std::vector<std::string>{"APPTAINERENV_UID is ignored: UID is the shell's own variable",
                                   "APPTAINERENV_APPTAINER_NAME is ignored: APPTAINER_NAME is set by hpc",
                                   "--env GID is ignored: GID is the shell's own variable",
                                   "--env SHELLOPTS is ignored: SHELLOPTS is the shell's own variable"});
}

TEST_CASE("environment: a user's LD_LIBRARY_PATH keeps hpc's bound libraries last") {
    EnvironmentRequest request = request_with({"LD_LIBRARY_PATH=/host/lib"});
    request.env_options = {"LD_LIBRARY_PATH=/foo,"};  // e2e TestCustomTrailingCommaPath
    CHECK(plan_environment(request).injected == EnvVars{{"LD_LIBRARY_PATH", "/foo,:/.singularity.d/libs"}});
    request.env_options = {"LD_LIBRARY_PATH="};
    CHECK(plan_environment(request).injected == EnvVars{{"LD_LIBRARY_PATH", ""}});
    request.env_options = {"PREPEND_LD_LIBRARY_PATH=/p", "APPEND_LD_LIBRARY_PATH=/a"};
    CHECK(plan_environment(request).injected ==
          EnvVars{{"PREPEND_LD_LIBRARY_PATH", "/p"}, {"APPEND_LD_LIBRARY_PATH", "/a"}});
}

TEST_CASE("environment: --env follows pflag: one '=' is one value, commas and all") {
    EnvironmentRequest request = request_with({});
    request.env_options = {"A=x,y", "\"B=quoted\"", "C=", "EMPTY_LIST_IS_NOTHING=1", ""};
    CHECK(plan_environment(request).injected ==
          EnvVars{{"A", "x,y"}, {"B", "quoted"}, {"C", ""}, {"EMPTY_LIST_IS_NOTHING", "1"}});
}

TEST_CASE("environment: --env with several '=' is a CSV list of NAME=value") {
    EnvironmentRequest request = request_with({});
    request.env_options = {"A=1,B=2=3,\"C=x,y\",D=", "A=again"};
    CHECK(plan_environment(request).injected == EnvVars{{"A", "again"}, {"B", "2=3"}, {"C", "x,y"}, {"D", ""}});
}

TEST_CASE("environment: malformed --env values are usage errors naming them") {
    EnvironmentRequest request = request_with({});
    request.env_options = {"JUSTANAME"};
    CHECK(usage_error(request) == "--env 'JUSTANAME': expected NAME=value");
    request.env_options = {"A=1,B,C=2"};
    CHECK(usage_error(request) == "--env 'A=1,B,C=2': 'B' is not NAME=value");
    request.env_options = {"A=1,B=2,"};
    CHECK(usage_error(request) == "--env 'A=1,B=2,': '' is not NAME=value");
    request.env_options = {"A-B=1"};
    CHECK(usage_error(request) == "--env 'A-B=1': 'A-B' is not a valid variable name");
    request.env_options = {"=1"};
    CHECK(usage_error(request) == "--env '=1': '' is not a valid variable name");
    request.env_options = {"A=1,B=\"2\""};
    CHECK(usage_error(request) ==
          "--env 'A=1,B=\"2\"': a double quote inside a field that does not start with one (column 7)");
}

TEST_CASE("environment: env files override the prefixed variables, later files win, --env wins over all") {
    EnvironmentRequest request = request_with({"APPTAINERENV_PATH=/prefixed", "HPCENV_X=prefixed"});
    request.env_files = {{"one.env", "PATH=/\nX=one\nY=one\n"}, {"two.env", "PATH=/foo\nY=two"}};
    CHECK(plan_environment(request).injected ==
          EnvVars{{"X", "one"}, {"SING_USER_DEFINED_PATH", "/foo"}, {"Y", "two"}});
    request.env_options = {"PATH=/etc"};  // e2e DefaultPathOverrideEnvAndEnvFileOptionPrecedence
    CHECK(plan_environment(request).injected ==
          EnvVars{{"X", "one"}, {"SING_USER_DEFINED_PATH", "/etc"}, {"Y", "two"}});
}

// Each name was looked up along the list of those before it: 1 MiB of distinct names (the
// largest file hpc reads) took 30 s of CPU; an index makes it a fraction of a second.
TEST_CASE("environment: an env file of 100,000 distinct names is planned in well under a second") {
    EnvironmentRequest request = request_with({});
    std::string content;
    size_t count = 0;
    while (content.size() < hpc::sandbox::max_env_file_bytes - 16) content += "V" + std::to_string(count++) + "=1\n";
    request.env_files = {{"many.env", content}};
    std::clock_t start = std::clock();
    ContainerEnvironment environment = plan_environment(request);
    double cpu_seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    CHECK(environment.injected.size() == count);
    CHECK(cpu_seconds < 3);
}

TEST_CASE("environment: env files never set the shell's own variables") {
    EnvironmentRequest request = request_with({});
    request.env_files = {{"f.env", "EUID=0\nUID=0\nGID=0\nHOME=/x\nIFS=:\nOPTIND=3\nPWD=/\nOK=1\n"}};
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.injected == EnvVars{{"OK", "1"}});
    CHECK(environment.warnings.size() == 7);
    CHECK(environment.warnings.front() == "f.env:1: EUID is ignored: an environment file cannot set it");
}

TEST_CASE("environment: env file errors name the file and line") {
    EnvironmentRequest request = request_with({});
    request.env_files = {{"/tmp/bad.env", "A=1\nrm -rf /\n"}};
    CHECK(usage_error(request).starts_with("/tmp/bad.env:2: 'rm' is not an assignment"));
}

TEST_CASE("environment: --no-env drops host variables, a value of the user's still passes") {
    EnvironmentRequest request = request_with({"FOO=bar", "BAR=foo", "BAZ=baz"});
    request.no_env = {"FOO"};  // e2e NoEnvAlone
    CHECK(names(plan_environment(request).host) == std::vector<std::string>{"BAR", "BAZ"});
    request.no_env = {"BAR, FOO"};  // e2e NoEnvSecond
    CHECK(names(plan_environment(request).host) == std::vector<std::string>{"BAZ"});
    request.host_environ.push_back("APPTAINERENV_FOO=Bar");  // e2e OverridePermitted
    ContainerEnvironment environment = plan_environment(request);
    CHECK(names(environment.host) == std::vector<std::string>{"BAZ"});
    CHECK(environment.injected == EnvVars{{"FOO", "Bar"}});
}

TEST_CASE("environment: values the container's shell could not parse are refused before launch") {
    EnvironmentRequest request = request_with({"APPTAINERENV_A=$(id -u"});
    CHECK(usage_error(request) ==
          "APPTAINERENV_A: the container's shell cannot evaluate the value of A: '$(' is never closed (write \\$ "
          "for a literal $, or use --no-eval)");
    request.host_environ = {};
    request.env_files = {{"f.env", "\nB='${X'"}};
    CHECK(usage_error(request).starts_with("f.env:2: the container's shell cannot evaluate the value of B"));
    request.no_eval = true;
    ContainerEnvironment environment = plan_environment(request);
    CHECK_FALSE(environment.evaluate);
    CHECK(environment.injected == EnvVars{{"B", "${X"}});
}

TEST_CASE("environment: the payload's ids are kept for $UID and $GID") {
    EnvironmentRequest request = request_with({});
    request.uid = 1000;
    request.gid = 100;
    ContainerEnvironment environment = plan_environment(request);
    CHECK(environment.uid == 1000u);
    CHECK(environment.gid == 100u);
}
