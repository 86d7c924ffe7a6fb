// payload_command(): the one exec that starts the payload. When nothing needs a shell
// (final_environment.hpp) the command is exec'd directly with the environment computed here;
// otherwise the image's /bin/sh runs the action script.
#include "common/error.hpp"
#include "sandbox/environment/action_script.hpp"
#include "sandbox/environment/environment.hpp"
#include "sandbox/environment/final_environment.hpp"
#include "sandbox/environment/scif_environment.hpp"

#include <algorithm>
#include <optional>

namespace hpc::sandbox {
namespace {

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

    std::optional<std::vector<std::string>> computed = final_environment(environment, image);
    if (!computed) {
        // An active app's environment is made by the shell (its scripts are the image's).
        bool scripts = (!image.env_scripts.empty() && !image.known_scripts) || image.app;
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

    command.envp = std::move(*computed);
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
