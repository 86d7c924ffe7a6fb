// The action script run by real shells: dash (Debian's /bin/sh), busybox sh (Alpine's),
// bash as sh (RHEL's /bin/sh) and bash. A temporary directory plays the image, holding its
// environment scripts; the command run "in the container" is the host's /bin/sh. The cases
// are Apptainer's e2e/env tests (env.go, regressions.go), with their expected output.
#include "common/error.hpp"
#include "sandbox/action_script.hpp"
#include "sandbox/environment.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

using namespace hpc::sandbox;

namespace Catch {
template <>
struct StringMaker<std::pair<const std::string, std::string>> {
    static std::string convert(const std::pair<const std::string, std::string>& var) {
        return var.first + "=" + var.second;
    }
};
}  // namespace Catch

namespace {

struct Shell {
    std::string name;   // for messages
    std::string path;   // the program
    std::string argv0;  // "sh" makes busybox run its sh and bash behave as POSIX sh
};

const std::vector<Shell>& shells() {
    static const std::vector<Shell> available = [] {
        std::vector<Shell> candidates = {{"dash", "/usr/bin/dash", "sh"},
                                         {"busybox sh", "/usr/bin/busybox", "sh"},
                                         {"bash as sh", "/usr/bin/bash", "sh"},
                                         {"bash", "/usr/bin/bash", "bash"}};
        std::vector<Shell> found;
        for (Shell& shell : candidates) {
            if (access(shell.path.c_str(), X_OK) == 0)
                found.push_back(std::move(shell));
            else
                WARN("not tested with " << shell.name << ": " << shell.path << " is missing");
        }
        return found;
    }();
    return available;
}

struct Outcome {
    int status = -1;
    std::string out;
    std::string err;
};

// fork and exec with exactly this environment: no shell of the host's in between.
Outcome spawn(const std::string& program, const std::vector<std::string>& argv, const std::vector<std::string>& envp,
              const std::string& cwd) {
    int out_pipe[2];
    int err_pipe[2];
    REQUIRE(pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(pipe2(err_pipe, O_CLOEXEC) == 0);
    std::vector<char*> c_argv;
    for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
    c_argv.push_back(nullptr);
    std::vector<char*> c_envp;
    for (const std::string& entry : envp) c_envp.push_back(const_cast<char*>(entry.c_str()));
    c_envp.push_back(nullptr);

    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        if (chdir(cwd.c_str()) != 0) _exit(120);
        execve(program.c_str(), c_argv.data(), c_envp.data());
        _exit(121);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    Outcome outcome;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&outcome.out, &outcome.err};
    int open_fds = 2;
    while (open_fds > 0) {
        REQUIRE(poll(fds, 2, 10000) > 0);
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buffer[4096];
            ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
            if (got > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(got));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return outcome;
}

// A scratch directory for the image's files and the working directory.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "hpc-action-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, const std::string& content, mode_t mode = 0644) const {
        std::string file = path_ + "/" + name;
        std::filesystem::create_directories(std::filesystem::path(file).parent_path());
        std::ofstream(file) << content;
        REQUIRE(chmod(file.c_str(), mode) == 0);
        return file;
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// The image's scripts, as images built by Apptainer have them (written here in hpc's words).
const std::string base_script =  // 99-base.sh
    "if [ -n \"${LD_LIBRARY_PATH:-}\" ]; then LD_LIBRARY_PATH=\"$LD_LIBRARY_PATH:/.singularity.d/libs\"\n"
    "else LD_LIBRARY_PATH=/.singularity.d/libs; fi\n"
    "[ -n \"${PS1:-}\" ] || PS1='Apptainer> '\n"
    "export LD_LIBRARY_PATH PS1\n";
const std::string custom_environment =  // 90-environment.sh of e2e/testdata/Apptainer's %environment
    "GOPATH=/go\nPATH=$PATH:$GOPATH/bin:/usr/local/go/bin\nCGO_ENABLED=0\nAVENGERS=assemble\n"
    "export GOPATH PATH CGO_ENABLED AVENGERS\n";

const std::string default_path_text = std::string(default_path);
const std::string custom_path = default_path_text + ":/go/bin:/usr/local/go/bin";

class Image {
public:
    // "default": Apptainer's busybox image; "custom": e2e/testdata/Apptainer; "none": no
    // environment scripts at all.
    explicit Image(const std::string& kind) {
        facts_.has_bin_sh = true;
        facts_.has_bin_bash = true;
        if (kind == "none") return;
        facts_.env_scripts.push_back(dir_.write(".singularity.d/env/01-base.sh", "# nothing\n"));
        if (kind == "custom") facts_.env_scripts.push_back(dir_.write(".singularity.d/env/90-environment.sh", custom_environment));
        facts_.env_scripts.push_back(dir_.write(".singularity.d/env/99-base.sh", base_script));
    }
    void add_script(const std::string& name, const std::string& content) {
        facts_.env_scripts.push_back(dir_.write(".singularity.d/env/" + name, content));
        std::sort(facts_.env_scripts.begin(), facts_.env_scripts.end());
    }
    ImageFacts& facts() { return facts_; }
    const TempDir& dir() const { return dir_; }

private:
    TempDir dir_;
    ImageFacts facts_;
};

EnvironmentRequest request_for(const Image& image, std::vector<std::string> host_environ = {}) {
    EnvironmentRequest request;
    request.host_environ = std::move(host_environ);
    request.home = "/home/test";
    request.cwd = image.dir().path();
    request.uid = getuid();
    request.gid = getgid();
    return request;
}

Outcome run_in(const Shell& shell, const PayloadCommand& command, const std::string& cwd) {
    if (!command.via_shell) return spawn(command.argv.front(), command.argv, command.envp, cwd);
    REQUIRE(command.argv.front() == "/bin/sh");
    std::vector<std::string> argv = command.argv;
    argv.front() = shell.argv0;
    return spawn(shell.path, argv, command.envp, cwd);
}

Outcome run_action(const Shell& shell, Image& image, const EnvironmentRequest& request, Action action,
                   const std::vector<std::string>& args, const std::string& shell_option = "") {
    PayloadCommand command = payload_command(plan_environment(request), image.facts(), action, args, shell_option);
    return run_in(shell, command, image.dir().path());
}

// `sh -c 'echo "${NAME}"'` in the container: the value, without the newline.
std::string echo_in(const Shell& shell, Image& image, const EnvironmentRequest& request, const std::string& script) {
    Outcome outcome = run_action(shell, image, request, Action::exec, {"/bin/sh", "-c", script});
    INFO(shell.name << " stderr: " << outcome.err);
    CHECK(outcome.status == 0);
    CHECK(outcome.err.empty());
    if (!outcome.out.empty() && outcome.out.back() == '\n') outcome.out.pop_back();
    return outcome.out;
}

// printf, not echo: dash's echo would turn a value's "\n" into a newline.
std::string value_in(const Shell& shell, Image& image, const EnvironmentRequest& request, const std::string& name) {
    return echo_in(shell, image, request, "printf '%s\\n' \"${" + name + "}\"");
}

std::string uid_text() { return std::to_string(getuid()); }

std::map<std::string, std::string> environment_map(const std::string& env0) {
    std::map<std::string, std::string> vars;
    size_t start = 0;
    while (start < env0.size()) {
        size_t end = env0.find('\0', start);
        std::string entry = env0.substr(start, end - start);
        size_t equals = entry.find('=');
        vars[entry.substr(0, equals)] = entry.substr(equals + 1);
        start = end + 1;
    }
    // What the shells add of themselves: bash's "_" and its count of nested shells.
    vars.erase("_");
    vars.erase("SHLVL");
    return vars;
}

}  // namespace

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

TEST_CASE("action script: a Docker-made PATH gets the default PATH's missing directories") {
    Image image("default");
    image.add_script("10-docker2singularity.sh", "export PATH=\"/opt/conda/bin:/usr/bin:/bin\"\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(value_in(shell, image, request_for(image), "PATH") ==
              "/opt/conda/bin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin");
    }
}

TEST_CASE("action script: an image without 99-base.sh gets the user's values after its last script") {
    Image image("none");
    image.add_script("50-app.sh", "export APP=image\nexport OTHER=image\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image);
        request.env_options = {"APP=user"};
        CHECK(echo_in(shell, image, request, "echo \"$APP $OTHER\"") == "user image");
    }
}

TEST_CASE("action script: the image's scripts see no host variable under its name; the command sees no carrier") {
    Image image("default");
    image.add_script("50-probe.sh",
                     "SEEN=\"${FOO-unset} ${TERM-unset} $HOME\"\n"
                     "CHILD_SEES=$(/usr/bin/env | /usr/bin/grep -c -e '^FOO=' -e '^TERM=')\n"
                     "export SEEN CHILD_SEES\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image, {"FOO=bar", "TERM=xterm"});
        CHECK(echo_in(shell, image, request,
                      "echo \"$SEEN|$CHILD_SEES|$FOO|$TERM\"; /usr/bin/env | /usr/bin/grep -c HPC_HOST_; true") ==
              "unset unset /home/test|0|bar|xterm\n0");
    }
}

TEST_CASE("action script: a host variable the scripts set keeps their value; one they set empty goes") {
    Image image("default");
    image.add_script("50-set.sh", "export SET_BY_IMAGE=image EMPTIED=\nNOT_EXPORTED=image\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request =
            request_for(image, {"SET_BY_IMAGE=host", "EMPTIED=host", "NOT_EXPORTED=host", "KEPT=host"});
        CHECK(echo_in(shell, image, request,
                      "echo \"$SET_BY_IMAGE ${EMPTIED-unset} $KEPT\"; /usr/bin/env | /usr/bin/grep -c NOT_EXPORTED; true") ==
              "image unset host\n0");
    }
}

TEST_CASE("action script: a large host environment comes back whole, in the compact form too") {
    Image image("default");
    image.add_script("50-set.sh", "export HOSTVAR_7=image HOSTVAR_900=\n");
    for (size_t count : {100u, 2000u}) {
        std::vector<std::string> host;
        for (size_t i = 0; i < count; ++i) host.push_back("HOSTVAR_" + std::to_string(i) + "=value " + std::to_string(i));
        EnvironmentRequest request = request_for(image, host);
        std::string script = action_script(plan_environment(request), image.facts(), Action::exec, "");
        bool compact = script.find("\n_hpc_restore HOSTVAR_0 HOSTVAR_1 ") != std::string::npos;
        CHECK(compact == (count > 1000));
        CHECK(script.size() < 128 * 1024);
        for (const Shell& shell : shells()) {
            INFO(shell.name << ", " << count << " host variables");
            CHECK(echo_in(shell, image, request,
                          "echo \"$HOSTVAR_0|$HOSTVAR_7|${HOSTVAR_900-unset}|$HOSTVAR_99\"; "
                          "/usr/bin/env | /usr/bin/grep -c '^HOSTVAR_'; /usr/bin/env | /usr/bin/grep -c HPC_HOST_; true") ==
                  // HOSTVAR_900 is the host's only in the larger set: set empty, it goes; else
                  // it is the image's own, empty.
                  "value 0|image|" + std::string(count > 900 ? "unset" : "") + "|value 99\n" +
                      std::to_string(count > 900 ? count - 1 : count + 1) + "\n0");
        }
    }
}

TEST_CASE("action script: PS1 is hpc's unless someone set one, and PROMPT_COMMAND forces it back") {
    Image none("none");
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        CHECK(value_in(shell, none, request_for(none), "PS1") == "hpc> ");
        CHECK(value_in(shell, none, request_for(none), "PROMPT_COMMAND") == "PS1=\"hpc> \"; unset PROMPT_COMMAND");
        CHECK(value_in(shell, none, request_for(none, {"PS1=host$ "}), "PS1") == "host$ ");
        CHECK(value_in(shell, image, request_for(image, {"PS1=host$ "}), "PS1") == "Apptainer> ");
        CHECK(value_in(shell, image, request_for(image, {"PROMPT_COMMAND=history -a"}), "PROMPT_COMMAND") ==
              "history -a; PROMPT_COMMAND=\"${PROMPT_COMMAND%%; PROMPT_COMMAND=*}\"; PS1=\"Apptainer> \"");
    }
}

TEST_CASE("action script: PREPEND_ and APPEND_LD_LIBRARY_PATH, with the system's directories first") {
    Image image("default");
    bool have_ldconfig = access("/sbin/ldconfig", X_OK) == 0;
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image);
        request.env_options = {"PREPEND_LD_LIBRARY_PATH=/foo"};
        std::string prepended = value_in(shell, image, request, "LD_LIBRARY_PATH");
        CHECK(prepended.starts_with("/foo:"));
        CHECK(prepended.ends_with(":/.singularity.d/libs"));
        if (have_ldconfig) CHECK(prepended.size() > std::string("/foo::/.singularity.d/libs").size());

        request.env_options = {"APPEND_LD_LIBRARY_PATH=/bar"};
        std::string appended = value_in(shell, image, request, "LD_LIBRARY_PATH");
        CHECK(appended.ends_with(":/.singularity.d/libs:/bar"));

        request.env_options = {"LD_LIBRARY_PATH=/mine", "PREPEND_LD_LIBRARY_PATH=/p", "APPEND_LD_LIBRARY_PATH=/a"};
        CHECK(value_in(shell, image, request, "LD_LIBRARY_PATH") == "/p:/mine:/.singularity.d/libs:/a");
    }
}

TEST_CASE("action script: a command that is not there: one line and 127; not executable: 126") {
    Image image("default");
    std::string plain_file = image.dir().write("data.txt", "not a program\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome missing = run_action(shell, image, request_for(image), Action::exec, {"no-such-command", "arg"});
        CHECK(missing.status == 127);
        CHECK(missing.err == "hpc: no-such-command: command not found in the container\n");
        CHECK(missing.out.empty());

        Outcome missing_path = run_action(shell, image, request_for(image), Action::exec, {"/no/such/program"});
        CHECK(missing_path.status == 127);
        CHECK(missing_path.err == "hpc: /no/such/program: command not found in the container\n");

        Outcome not_executable = run_action(shell, image, request_for(image), Action::exec, {plain_file});
        CHECK(not_executable.status == 126);
        CHECK(not_executable.err == "hpc: " + plain_file + ": not executable in the container\n");

        Outcome directory = run_action(shell, image, request_for(image), Action::exec, {"/tmp"});
        CHECK(directory.status == 126);
        CHECK(directory.err == "hpc: /tmp: not executable in the container\n");

        EnvironmentRequest relative = request_for(image);
        relative.env_options = {"PATH=" + image.dir().path()};
        Outcome on_path = run_action(shell, image, relative, Action::exec, {"data.txt"});
        CHECK(on_path.status == 126);
        CHECK(on_path.err == "hpc: data.txt: not executable in the container\n");
    }
}

TEST_CASE("action script: commands are found on the container's PATH and get their arguments as given") {
    Image image("custom");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome outcome =
            run_action(shell, image, request_for(image), Action::exec, {"printf", "[%s]", "a b", "*", "$HOME", ""});
        CHECK(outcome.status == 0);
        CHECK(outcome.err.empty());
        CHECK(outcome.out == "[a b][*][$HOME][]");
        Outcome status = run_action(shell, image, request_for(image), Action::exec, {"sh", "-c", "exit 42"});
        CHECK(status.status == 42);
    }
}

TEST_CASE("action script: run without a runscript runs /bin/sh with the arguments") {
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        PayloadCommand command =
            payload_command(plan_environment(request_for(image)), image.facts(), Action::run, {"-c", "echo ran $0"}, "");
        CHECK(command.notice == "no runscript in the image, running /bin/sh");
        Outcome outcome = run_in(shell, command, image.dir().path());
        CHECK(outcome.out == "ran /bin/sh\n");
    }
}

TEST_CASE("action script: shell runs --shell, else bash --norc, else sh, and says which in SHELL") {
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome bash = run_action(shell, image, request_for(image), Action::shell, {"-c", "echo $SHELL"});
        CHECK(bash.out == "/bin/bash\n");
        image.facts().has_bin_bash = false;
        Outcome sh = run_action(shell, image, request_for(image), Action::shell, {"-c", "echo $SHELL"});
        CHECK(sh.out == "/bin/sh\n");
        image.facts().has_bin_bash = true;
        Outcome chosen =
            run_action(shell, image, request_for(image, {"SHELL=/bin/zsh"}), Action::shell, {"-c", "echo $0 $SHELL"},
                       "/usr/bin/dash");
        CHECK(chosen.out == "/usr/bin/dash /bin/zsh\n");
        Outcome missing = run_action(shell, image, request_for(image), Action::shell, {}, "/no/zsh");
        CHECK(missing.status == 127);
        CHECK(missing.err == "hpc: /no/zsh: command not found in the container\n");
    }
}

TEST_CASE("action script: $UID and $GID are defined for values and scripts, and not left behind") {
    Image image("default");
    image.add_script("50-ids.sh", "export SCRIPT_UID=\"$UID\"\n");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        EnvironmentRequest request = request_for(image, {"APPTAINERENV_IDS=$UID:$GID"});
        std::string ids = uid_text() + ":" + std::to_string(getgid());
        CHECK(echo_in(shell, image, request,
                      "echo \"$IDS $SCRIPT_UID\"; /usr/bin/env | /usr/bin/grep -c '^GID='; true") ==
              ids + " " + uid_text() + "\n0");
    }
}

TEST_CASE("action script: a value the container's shell rejects stops the launch with its name") {
    Image image("default");
    for (const Shell& shell : shells()) {
        INFO(shell.name);
        Outcome outcome = run_action(shell, image, request_for(image, {"APPTAINERENV_BAD=${!NOPE}"}), Action::exec,
                                     {"/bin/echo", "ran"});
        CHECK(outcome.status == exit_bad_value);
        CHECK(outcome.out.empty());
        CHECK(outcome.err.ends_with("hpc: the container's shell could not evaluate the value of BAD\n"));
    }
}

TEST_CASE("action script: values with quotes, newlines and backslashes arrive intact") {
    Image image("default");
    const std::vector<std::string> values = {"it's", "say \"hi\"", "two\nlines", "back\\slash", "trailing\\",
                                             "a\\\"b", "*", "  spaced  ", "$", "tab\there"};
    const std::vector<std::string> evaluated = {"it's", "say \"hi\"", "two\nlines", "back\\slash", "trailing\\",
                                                "a\"b", "*", "  spaced  ", "$", "tab\there"};
    for (const Shell& shell : shells()) {
        for (size_t i = 0; i < values.size(); ++i) {
            INFO(shell.name << ": " << values[i]);
            EnvironmentRequest request = request_for(image, {"APPTAINERENV_V=" + values[i], "HOSTV=" + values[i]});
            CHECK(echo_in(shell, image, request, "printf '%s|%s' \"$V\" \"$HOSTV\"") == evaluated[i] + "|" + values[i]);
            request.no_eval = true;
            CHECK(echo_in(shell, image, request, "printf '%s' \"$V\"") == values[i]);
        }
    }
}

TEST_CASE("action script: without scripts, the direct exec and the shell give the same environment") {
    const std::vector<std::vector<std::string>> hosts = {
        {},
        {"FOO=bar", "TERM=xterm", "EMPTY=", "MULTI=a\nb", "PS1=host> ", "PROMPT_COMMAND=x", "SHELL=/bin/zsh"},
        {"APPTAINERENV_PATH=/usr/bin:/bin", "APPTAINERENV_APPEND_PATH=/a", "HPCENV_PREPEND_PATH=/p", "FOO=host"},
        {"APPTAINERENV_LD_LIBRARY_PATH=/l", "APPTAINERENV_PREPEND_LD_LIBRARY_PATH=/p",
         "SINGULARITYENV_APPEND_LD_LIBRARY_PATH=/a", "LD_LIBRARY_PATH=/host"},
        {"APPTAINERENV_FOO=", "FOO=host", "APPTAINERENV_PS1=mine> ", "http_proxy=http://p"},
    };
    for (const Action action : {Action::exec, Action::shell}) {
        for (size_t i = 0; i < hosts.size(); ++i) {
            for (bool clean : {false, true}) {
                Image direct("none");
                Image shelled("none");
                shelled.add_script("50-empty.sh", "");
                EnvironmentRequest request = request_for(direct, hosts[i]);
                request.clean_env = clean;
                request.runtime = {{"APPTAINER_NAME", "x.sif"}};
                request.env_options = {"OPT=value"};
                std::vector<std::string> args = {"/usr/bin/env", "-0"};
                if (action == Action::shell) args = {"-c", "/usr/bin/env -0"};

                PayloadCommand plain = payload_command(plan_environment(request), direct.facts(), action, args, "");
                REQUIRE_FALSE(plain.via_shell);
                Outcome expected = run_in(shells().front(), plain, direct.dir().path());
                REQUIRE(expected.status == 0);
                PayloadCommand scripted = payload_command(plan_environment(request), shelled.facts(), action, args, "");
                REQUIRE(scripted.via_shell);
                for (const Shell& shell : shells()) {
                    INFO(shell.name << ", host set " << i << (clean ? ", --cleanenv" : "")
                                    << (action == Action::shell ? ", shell" : ", exec"));
                    Outcome outcome = run_in(shell, scripted, direct.dir().path());
                    CHECK(outcome.err.empty());
                    std::map<std::string, std::string> got = environment_map(outcome.out);
                    std::map<std::string, std::string> want = environment_map(expected.out);
                    std::string differences;
                    for (const auto& [name, value] : want)
                        if (!got.contains(name) || got[name] != value) differences += " want " + name + "=" + value;
                    for (const auto& [name, value] : got)
                        if (!want.contains(name)) differences += " extra " + name + "=" + value;
                    CHECK(differences == "");
                }
            }
        }
    }
}
