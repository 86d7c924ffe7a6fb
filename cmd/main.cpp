// hpc: run and inspect container images as yourself, on shared machines and clusters.
#include "cmd/action_command.hpp"
#include "cmd/build_command.hpp"
#include "cmd/config_command.hpp"
#include "cmd/inspect_command.hpp"
#include "cmd/option_environment.hpp"
#include "cmd/report.hpp"
#include "cmd/slurm_command.hpp"
#include "common/error.hpp"
#include "common/process_environment.hpp"
#include "common/version.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <optional>
#include <vector>

namespace {

struct ActionCommand {
    const char* name;
    const char* summary;
    hpc::sandbox::Action action;
};

constexpr ActionCommand action_commands[] = {
    {"exec", "run a command in an image: hpc exec [options] IMAGE COMMAND [ARGS...]", hpc::sandbox::Action::exec},
    {"run", "run an image's runscript: hpc run [options] IMAGE [ARGS...]", hpc::sandbox::Action::run},
    {"shell", "start a shell in an image: hpc shell [options] IMAGE", hpc::sandbox::Action::shell},
    {"test", "run an image's test script: hpc test [options] IMAGE", hpc::sandbox::Action::test},
};

// The subcommand named on the command line, or "" when there is none yet.
std::string_view requested_subcommand(int argc, char** argv) {
    for (int index = 1; index < argc; ++index)
        if (argv[index][0] != '-') return argv[index];
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::vector<std::string>> rewritten;
    try {
        rewritten = hpc::cmd::rewritten_command_line(argc, argv);
    } catch (const hpc::Error& error) {
        hpc::cmd::report_error(error.what());
        return static_cast<int>(error.code());
    }
    std::vector<char*> rewritten_argv;
    if (rewritten) {
        for (std::string& word : *rewritten) rewritten_argv.push_back(word.data());
        argc = static_cast<int>(rewritten_argv.size());
        rewritten_argv.push_back(nullptr);
        argv = rewritten_argv.data();
    }

    CLI::App app{"hpc: run container images (SIF, squashfs, directories) as yourself"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("hpc ") + hpc::version);

    hpc::cmd::ActionOptions action_options;
    hpc::sandbox::Action chosen = hpc::sandbox::Action::exec;
    // CLI11 takes as long to register the two dozen action options as the rest of a launch
    // takes to plan it: register them only on the subcommand being run.
    std::string_view requested = requested_subcommand(argc, argv);
    for (const ActionCommand& command : action_commands) {
        CLI::App* sub = app.add_subcommand(command.name, command.summary);
        if (requested.empty() || requested == command.name)
            hpc::cmd::add_action_options(*sub, action_options, command.action == hpc::sandbox::Action::shell);
        sub->callback([&, sub, action = command.action] {
            chosen = action;
            action_options.image_and_args = sub->remaining();
        });
    }

    hpc::cmd::BuildOptions build_options;
    CLI::App* build = app.add_subcommand("build", "build a SIF image: hpc build [options] DEST SOURCE");
    hpc::cmd::add_build_options(*build, build_options);

    hpc::cmd::InspectOptions inspect_options;
    CLI::App* inspect = app.add_subcommand("inspect", "show an image's labels, scripts, environment, definition");
    hpc::cmd::add_inspect_options(*inspect, inspect_options);

    hpc::cmd::ConfigOptions config_options;
    CLI::App* config = app.add_subcommand("config", "the site configuration: hpc config check [FILE]");
    hpc::cmd::add_config_options(*config, config_options);

    hpc::cmd::SlurmOptions slurm_options;
    CLI::App* slurm = app.add_subcommand("slurm", "for slurm.conf: hpc slurm prolog | epilog");
    hpc::cmd::add_slurm_options(*slurm, slurm_options);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& request) {
        return app.exit(request);
    } catch (const CLI::CallForVersion& request) {
        return app.exit(request);
    } catch (const CLI::ParseError& error) {
        // One line, like every other failure: what was wrong, and where to read more.
        auto subcommands = app.get_subcommands([&](const CLI::App* sub) { return sub->get_name() == requested; });
        std::string message = requested.empty() || !subcommands.empty()
                                  ? error.what()
                                  : std::string(requested) + ": not an hpc command (exec, run, shell, test, inspect, config, build, slurm)";
        hpc::cmd::report_error(message + " (see hpc --help)");
        return static_cast<int>(hpc::ExitCode::usage);
    }
    try {
        // APPTAINER_CLEANENV=1 and the like: options the command line left out, from the environment.
        for (const std::string& warning : hpc::cmd::apply_option_environment(app, hpc::process_environment()))
            hpc::cmd::report_warning(warning);
        if (inspect->parsed()) return hpc::cmd::run_inspect(inspect_options);
        if (config->parsed()) return hpc::cmd::run_config_check(config_options);
        if (slurm->parsed()) return hpc::cmd::run_slurm_command(slurm_options);
        if (build->parsed()) return hpc::cmd::run_build_command(build_options);
        return hpc::cmd::run_action(action_options, chosen);
    } catch (const hpc::Error& error) {
        hpc::cmd::report_error(error.what());
        return static_cast<int>(error.code());
    } catch (const std::exception& error) {
        hpc::cmd::report_error(std::string("internal error: ") + error.what());
        return static_cast<int>(hpc::ExitCode::software);
    }
}
