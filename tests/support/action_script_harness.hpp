// A harness for running hpc's action script with real shells: dash (Debian's /bin/sh),
// busybox sh (Alpine's), bash as sh (RHEL's /bin/sh) and bash. A temporary directory plays the
// image, holding its environment scripts; the command run "in the container" is the host's
// /bin/sh. Shared by the action script's tests (action_script_test.cpp, action_script_e2e_test.cpp).
#pragma once

#include "common/error.hpp"
#include "sandbox/environment/action_script.hpp"
#include "sandbox/environment/environment.hpp"

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

namespace Catch {
template <>
struct StringMaker<std::pair<const std::string, std::string>> {
    static std::string convert(const std::pair<const std::string, std::string>& var) {
        return var.first + "=" + var.second;
    }
};
}  // namespace Catch

namespace hpc::test::action_script {

using namespace hpc::sandbox;

struct Shell {
    std::string name;   // for messages
    std::string path;   // the program
    std::string argv0;  // "sh" makes busybox run its sh and bash behave as POSIX sh
};

inline const std::vector<Shell>& shells() {
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
    // Every case loops over these: with none, each would pass having run nothing.
    if (available.empty()) FAIL("no shell to run the action script with (dash, busybox, bash)");
    return available;
}

struct Outcome {
    int status = -1;
    std::string out;
    std::string err;
};

// fork and exec with exactly this environment: no shell of the host's in between.
inline Outcome spawn(const std::string& program, const std::vector<std::string>& argv, const std::vector<std::string>& envp,
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
inline const std::string base_script =  // 99-base.sh
    "if [ -n \"${LD_LIBRARY_PATH:-}\" ]; then LD_LIBRARY_PATH=\"$LD_LIBRARY_PATH:/.singularity.d/libs\"\n"
    "else LD_LIBRARY_PATH=/.singularity.d/libs; fi\n"
    "[ -n \"${PS1:-}\" ] || PS1='Apptainer> '\n"
    "export LD_LIBRARY_PATH PS1\n";
inline const std::string custom_environment =  // 90-environment.sh of e2e/testdata/Apptainer's %environment
    "GOPATH=/go\nPATH=$PATH:$GOPATH/bin:/usr/local/go/bin\nCGO_ENABLED=0\nAVENGERS=assemble\n"
    "export GOPATH PATH CGO_ENABLED AVENGERS\n";

inline const std::string default_path_text = std::string(default_path);
inline const std::string custom_path = default_path_text + ":/go/bin:/usr/local/go/bin";

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

inline EnvironmentRequest request_for(const Image& image, std::vector<std::string> host_environ = {}) {
    EnvironmentRequest request;
    request.host_environ = std::move(host_environ);
    request.home = "/home/test";
    request.cwd = image.dir().path();
    request.uid = getuid();
    request.gid = getgid();
    return request;
}

inline Outcome run_in(const Shell& shell, const PayloadCommand& command, const std::string& cwd) {
    if (!command.via_shell) return spawn(command.argv.front(), command.argv, command.envp, cwd);
    REQUIRE(command.argv.front() == "/bin/sh");
    std::vector<std::string> argv = command.argv;
    argv.front() = shell.argv0;
    return spawn(shell.path, argv, command.envp, cwd);
}

inline Outcome run_action(const Shell& shell, Image& image, const EnvironmentRequest& request, Action action,
                   const std::vector<std::string>& args, const std::string& shell_option = "") {
    PayloadCommand command = payload_command(plan_environment(request), image.facts(), action, args, shell_option);
    return run_in(shell, command, image.dir().path());
}

// `sh -c 'echo "${NAME}"'` in the container: the value, without the newline.
inline std::string echo_in(const Shell& shell, Image& image, const EnvironmentRequest& request, const std::string& script) {
    Outcome outcome = run_action(shell, image, request, Action::exec, {"/bin/sh", "-c", script});
    INFO(shell.name << " stderr: " << outcome.err);
    CHECK(outcome.status == 0);
    CHECK(outcome.err.empty());
    if (!outcome.out.empty() && outcome.out.back() == '\n') outcome.out.pop_back();
    return outcome.out;
}

// printf, not echo: dash's echo would turn a value's "\n" into a newline.
inline std::string value_in(const Shell& shell, Image& image, const EnvironmentRequest& request, const std::string& name) {
    return echo_in(shell, image, request, "printf '%s\\n' \"${" + name + "}\"");
}

inline std::string uid_text() { return std::to_string(getuid()); }

inline std::map<std::string, std::string> environment_map(const std::string& env0) {
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

// " want NAME=VALUE" for each variable of `want` that `got` lacks or has otherwise, " extra
// NAME=VALUE" for each it has beyond: "" when the two environments (env -0's output) are one.
inline std::string environment_differences(const std::string& got_env0, const std::string& want_env0) {
    std::map<std::string, std::string> got = environment_map(got_env0);
    std::map<std::string, std::string> want = environment_map(want_env0);
    std::string differences;
    for (const auto& [name, value] : want)
        if (!got.contains(name) || got[name] != value) differences += " want " + name + "=" + value;
    for (const auto& [name, value] : got)
        if (!want.contains(name)) differences += " extra " + name + "=" + value;
    return differences;
}

}  // namespace hpc::test::action_script
