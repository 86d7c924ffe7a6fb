// payload_command(): the one exec that starts the payload. When nothing needs a shell (no
// environment script to source, no value to evaluate) the final environment is computed
// here with the action script's rules, and the command is exec'd directly: no shell
// start-up, and images without /bin/sh work.
#include "common/error.hpp"
#include "sandbox/environment/action_script.hpp"
#include "sandbox/environment/environment.hpp"
#include "sandbox/environment/scif_environment.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace hpc::sandbox {
namespace {

// The variables in the order they were set, found by name through an index: a 1 MiB
// --env-file sets some 100,000 names, and looking each up along the list took 15 s.
class FinalEnvironment {
public:
    explicit FinalEnvironment(const EnvVars& base) {
        for (const auto& [name, value] : base) set(name, value);
    }

    const std::string* get(std::string_view name) const {
        auto found = positions_.find(std::string(name));
        return found == positions_.end() ? nullptr : &vars_[found->second]->second;
    }
    std::string value(std::string_view name) const {
        const std::string* found = get(name);
        return found ? *found : std::string();
    }
    void set(std::string_view name, std::string value) {
        auto [found, added] = positions_.try_emplace(std::string(name), vars_.size());
        if (added)
            vars_.emplace_back(std::in_place, std::string(name), std::move(value));
        else
            vars_[found->second]->second = std::move(value);
    }
    // Left as a gap, so that the positions of the others stay; a name set again goes last.
    void unset(std::string_view name) {
        auto found = positions_.find(std::string(name));
        if (found == positions_.end()) return;
        vars_[found->second].reset();
        positions_.erase(found);
    }

    std::vector<std::string> envp() const {
        std::vector<std::string> entries;
        for (const auto& var : vars_)
            if (var) entries.push_back(var->first + "=" + var->second);
        return entries;
    }

private:
    std::vector<std::optional<std::pair<std::string, std::string>>> vars_;
    std::unordered_map<std::string, size_t> positions_;  // name -> index in vars_
};

bool needs_evaluation(const ContainerEnvironment& environment) {
    if (!environment.evaluate) return false;
    return std::any_of(environment.injected.begin(), environment.injected.end(), [](const auto& var) {
        return var.second.find_first_of("$`\\") != std::string::npos;
    });
}

// The action script's steps for an image without environment scripts, value for value.
std::vector<std::string> final_environment(const ContainerEnvironment& environment) {
    FinalEnvironment env(environment.base);
    for (const auto& [name, value] : environment.injected) env.set(name, value);

    if (!env.value("SING_USER_DEFINED_PREPEND_PATH").empty()) {
        env.set("PATH", env.value("SING_USER_DEFINED_PREPEND_PATH") + ":" + env.value("PATH"));
        env.unset("SING_USER_DEFINED_PREPEND_PATH");
    }
    if (!env.value("SING_USER_DEFINED_APPEND_PATH").empty()) {
        env.set("PATH", env.value("PATH") + ":" + env.value("SING_USER_DEFINED_APPEND_PATH"));
        env.unset("SING_USER_DEFINED_APPEND_PATH");
    }
    if (!env.value("SING_USER_DEFINED_PATH").empty()) {
        env.set("PATH", env.value("SING_USER_DEFINED_PATH"));
        env.unset("SING_USER_DEFINED_PATH");
    }
    if (!env.value("LD_LIBRARY_PATH").empty()) {
        if (!env.value("PREPEND_LD_LIBRARY_PATH").empty())
            env.set("LD_LIBRARY_PATH", env.value("PREPEND_LD_LIBRARY_PATH") + ":" + env.value("LD_LIBRARY_PATH"));
        if (!env.value("APPEND_LD_LIBRARY_PATH").empty())
            env.set("LD_LIBRARY_PATH", env.value("LD_LIBRARY_PATH") + ":" + env.value("APPEND_LD_LIBRARY_PATH"));
    }
    for (auto directory = environment.library_path_first.rbegin(); directory != environment.library_path_first.rend();
         ++directory) {
        std::string rest = env.value("LD_LIBRARY_PATH");
        env.set("LD_LIBRARY_PATH", *directory + (rest.empty() ? "" : ":" + rest));
    }

    for (const auto& [name, value] : environment.host) {
        const std::string* current = env.get(name);
        if (!current)
            env.set(name, value);
        else if (current->empty())
            env.unset(name);
    }

    if (env.value("PS1").empty()) env.set("PS1", std::string(default_ps1));
    std::string ps1 = env.value("PS1");
    std::string prompt_command = env.value("PROMPT_COMMAND");
    if (prompt_command.empty())
        env.set("PROMPT_COMMAND", "PS1=\"" + ps1 + "\"; unset PROMPT_COMMAND");
    else
        env.set("PROMPT_COMMAND",
                prompt_command + "; PROMPT_COMMAND=\"${PROMPT_COMMAND%%; PROMPT_COMMAND=*}\"; PS1=\"" + ps1 + "\"");
    return env.envp();
}

std::vector<std::string> with_args(std::vector<std::string> argv, const std::vector<std::string>& args) {
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

}  // namespace

PayloadCommand payload_command(const ContainerEnvironment& environment, const ImageFacts& image, Action action,
                               const std::vector<std::string>& args, const std::string& shell) {
    PayloadCommand command;
    if (action == Action::exec && args.empty()) throw Error(ExitCode::usage, "exec: no command to run");
    if (image.app) check_app_action(*image.app, action);
    if (action == Action::test && !image.has_test && !image.app) {
        command.notice = "no test script in the image";
        return command;  // nothing to run: the caller reports success
    }
    if (action == Action::start && !image.has_startscript && !image.app)
        return command;  // the instance runs nothing yet
    if (action == Action::run && !image.has_runscript && !image.app) {
        if (!image.has_bin_sh) throw Error(ExitCode::data, "the image has no runscript and no /bin/sh to run");
        command.notice = "no runscript in the image, running /bin/sh";
    }
    if (action == Action::shell && shell.empty() && !image.has_bin_bash && !image.has_bin_sh)
        throw Error(ExitCode::data, "the image has no /bin/bash or /bin/sh for a shell (name one with --shell)");

    // An active app's environment is made by the shell (its scripts are the image's).
    bool scripts = !image.env_scripts.empty() || image.app;
    if (scripts || needs_evaluation(environment)) {
        if (!image.has_bin_sh)
            throw Error(ExitCode::data, scripts ? "the image has no /bin/sh to source its environment scripts"
                                                : "the image has no /bin/sh to evaluate the values given with "
                                                  "--env or *ENV_* variables (--no-eval needs none)");
        command.via_shell = true;
        std::string script = action_script(environment, image, action, shell);
        // Linux refuses any one argument longer than 32 pages (MAX_ARG_STRLEN) with E2BIG.
        constexpr size_t max_argument = 32 * 4096;
        if (script.size() >= max_argument)
            throw Error(ExitCode::usage, "the environment is too large for the container's shell script (" +
                                             std::to_string(environment.host.size()) + " host variables, " +
                                             std::to_string(environment.injected.size()) +
                                             " values): use --cleanenv or --no-env");
        command.argv = with_args({"/bin/sh", "-c", std::move(script), "hpc"}, args);
        for (const auto& [name, value] : environment.base) command.envp.push_back(name + "=" + value);
        for (const auto& [name, value] : environment.host)
            command.envp.push_back(std::string(host_carrier_prefix) + name + "=" + value);
        return command;
    }

    command.envp = final_environment(environment);
    switch (action) {
    case Action::exec:
        command.argv = args;
        break;
    case Action::run:
        command.argv = with_args({image.has_runscript ? "/.singularity.d/runscript" : "/bin/sh"}, args);
        break;
    case Action::test:
        command.argv = with_args({"/.singularity.d/test"}, args);
        break;
    case Action::start:
        command.argv = with_args({"/.singularity.d/startscript"}, args);
        break;
    case Action::shell:
        if (!shell.empty()) {
            command.argv = with_args({shell}, args);
        } else {
            std::string program = image.has_bin_bash ? "/bin/bash" : "/bin/sh";
            command.argv = with_args(image.has_bin_bash ? std::vector<std::string>{program, "--norc"}
                                                        : std::vector<std::string>{program},
                                     args);
            // as the action script's `export SHELL=...`
            std::erase_if(command.envp, [](const std::string& entry) { return entry.starts_with("SHELL="); });
            command.envp.push_back("SHELL=" + program);
        }
        break;
    }
    return command;
}

}  // namespace hpc::sandbox
