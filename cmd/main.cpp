// hpc: run and inspect container images as yourself, on shared machines and clusters.
#include "cmd/action_command.hpp"
#include "cmd/build_command.hpp"
#include "cmd/cache_command.hpp"
#include "cmd/config_command.hpp"
#include "cmd/documentation_commands.hpp"
#include "cmd/global_options.hpp"
#include "cmd/help.hpp"
#include "cmd/inspect_command.hpp"
#include "cmd/instance_command.hpp"
#include "cmd/pull_command.hpp"
#include "cmd/option_environment.hpp"
#include "cmd/other_names.hpp"
#include "cmd/overlay_command.hpp"
#include "cmd/report.hpp"
#include "cmd/slurm_command.hpp"
#include "cmd/usage_errors.hpp"
#include "image/oci/oci_image.hpp"
#include "image/registry/registry_reference.hpp"
#include "common/error.hpp"
#include "common/process_environment.hpp"
#include "common/version.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <optional>
#include <vector>

namespace {

struct ActionCommand {
    const char* name;
    hpc::sandbox::Action action;
};

constexpr ActionCommand action_commands[] = {
    {"exec", hpc::sandbox::Action::exec},
    {"run", hpc::sandbox::Action::run},
    {"shell", hpc::sandbox::Action::shell},
    {"test", hpc::sandbox::Action::test},
};

// The command line hpc runs: its own, or the one a Slurm task or link stands for.
std::vector<std::string> command_words(int argc, char** argv) {
    if (std::optional<std::vector<std::string>> linked = hpc::cmd::command_for_link_name(argc, argv)) return *linked;
    if (std::optional<std::vector<std::string>> rewritten = hpc::cmd::rewritten_command_line(argc, argv))
        return *rewritten;
    return {argv, argv + argc};
}

// The command named on the command line (for `help COMMAND`, COMMAND), or "" when there is none
// yet. Global options take no values, so the first word that is not one is the command.
std::string requested_command(const std::vector<std::string>& words) {
    bool after_help = false;
    for (std::size_t index = 1; index < words.size(); ++index) {
        if (words[index].starts_with('-')) continue;
        if (words[index] != "help" || after_help) return words[index];
        after_help = true;
    }
    return {};
}

std::string joined(const std::vector<std::string>& words) {
    std::string line;
    for (const std::string& word : words) line += (line.empty() ? "" : " ") + word;
    return line;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> words;
    try {
        words = command_words(argc, argv);
    } catch (const hpc::Error& error) {
        hpc::cmd::report_error(error.what());
        return static_cast<int>(error.code());
    }

    CLI::App app;
    app.formatter(hpc::cmd::help_formatter());  // before the commands: they inherit it
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("hpc ") + hpc::version);
    hpc::cmd::GlobalOptions global_options;
    hpc::cmd::add_global_options(app, global_options);

    hpc::cmd::ActionOptions action_options;
    hpc::sandbox::Action chosen = hpc::sandbox::Action::exec;
    CLI::App* chosen_command = nullptr;
    // CLI11 takes as long to register the two dozen action options as the rest of a launch
    // takes to plan it, and the other commands' as long again: every command is there, but
    // only the one being run (or whose help is asked) gets its options.
    std::string requested = requested_command(words);
    bool every_command = requested.empty() || hpc::cmd::describes_every_command(requested);  // man pages, completion
    auto wanted = [&](std::string_view name) { return every_command || requested == name; };
    for (const ActionCommand& command : action_commands) {
        CLI::App* sub = app.add_subcommand(command.name);
        if (wanted(command.name))
            hpc::cmd::add_action_options(*sub, action_options, command.action == hpc::sandbox::Action::shell);
        sub->callback([&, sub, action = command.action] {
            chosen = action;
            chosen_command = sub;
            action_options.image_and_args = sub->remaining();
        });
    }

    hpc::cmd::BuildOptions build_options;
    CLI::App* build = app.add_subcommand("build");
    if (wanted("build")) hpc::cmd::add_build_options(*build, build_options);

    hpc::cmd::PullOptions pull_options;
    CLI::App* pull = app.add_subcommand("pull");
    if (wanted("pull")) hpc::cmd::add_pull_options(*pull, pull_options);

    hpc::cmd::PushOptions push_options;
    CLI::App* push = app.add_subcommand("push");
    if (wanted("push")) hpc::cmd::add_push_options(*push, push_options);

    hpc::cmd::InspectOptions inspect_options;
    CLI::App* inspect = app.add_subcommand("inspect");
    if (wanted("inspect")) hpc::cmd::add_inspect_options(*inspect, inspect_options);

    hpc::cmd::RunHelpOptions run_help_options;
    CLI::App* run_help = app.add_subcommand("run-help");
    if (wanted("run-help")) hpc::cmd::add_run_help_options(*run_help, run_help_options);

    hpc::cmd::ConfigOptions config_options;
    CLI::App* config = app.add_subcommand("config");
    if (wanted("config")) hpc::cmd::add_config_options(*config, config_options);

    hpc::cmd::CacheOptions cache_options;
    CLI::App* cache = app.add_subcommand("cache");
    if (wanted("cache")) hpc::cmd::add_cache_options(*cache, cache_options);

    hpc::cmd::OverlayOptions overlay_options;
    CLI::App* overlay = app.add_subcommand("overlay");
    if (wanted("overlay")) hpc::cmd::add_overlay_options(*overlay, overlay_options);

    hpc::cmd::InstanceOptions instance_options;
    CLI::App* instance = app.add_subcommand("instance");
    if (wanted("instance")) hpc::cmd::add_instance_options(*instance, instance_options);

    hpc::cmd::SlurmOptions slurm_options;
    CLI::App* slurm = app.add_subcommand("slurm");
    if (wanted("slurm")) hpc::cmd::add_slurm_options(*slurm, slurm_options);

    hpc::cmd::DocumentationOptions documentation_options;
    hpc::cmd::add_documentation_commands(app, documentation_options);

    CLI::App* version = app.add_subcommand("version");  // the version alone, as Apptainer's

    app.add_subcommand("help");  // listed in hpc --help; rewrite_help_command turns it into --help
    hpc::cmd::attach_help(app);
    hpc::cmd::rewrite_help_command(words, app);

    if (std::optional<std::string> line = hpc::cmd::unknown_command_line(app, words)) {
        hpc::cmd::report_error(*line);
        return static_cast<int>(hpc::ExitCode::usage);
    }
    std::vector<char*> word_pointers;
    for (std::string& word : words) word_pointers.push_back(word.data());
    try {
        app.parse(static_cast<int>(word_pointers.size()), word_pointers.data());
    } catch (const CLI::CallForHelp& request) {
        return app.exit(request);
    } catch (const CLI::CallForVersion& request) {
        return app.exit(request);
    } catch (const CLI::ParseError& error) {
        hpc::cmd::report_error(hpc::cmd::parse_error_line(app, words, error));
        return static_cast<int>(hpc::ExitCode::usage);
    }
    try {
        // APPTAINER_CLEANENV=1 and the like: options the command line left out, from the
        // environment; first, since APPTAINER_QUIET and its kin set how much is said.
        std::vector<std::string> variable_warnings = hpc::cmd::apply_option_environment(app, hpc::process_environment());
        hpc::cmd::set_verbosity(hpc::cmd::verbosity_of(global_options, action_options.verbose));
        action_options.verbose = hpc::cmd::verbosity() >= hpc::cmd::Verbosity::verbose;
        hpc::cmd::report_debug(std::string("hpc ") + hpc::version + ", run as: " + joined(words));
        for (const std::string& warning : variable_warnings) hpc::cmd::report_warning(warning);
        if (inspect->parsed()) {
            hpc::cmd::check_image_word(app, *inspect, inspect_options.image, false);
            return hpc::cmd::run_inspect(inspect_options);
        }
        if (run_help->parsed()) {
            hpc::cmd::check_image_word(app, *run_help, run_help_options.image, false);
            return hpc::cmd::run_run_help(run_help_options);
        }
        if (version->parsed()) {
            std::cout << hpc::version << "\n";
            return 0;
        }
        if (std::optional<int> status = hpc::cmd::run_documentation_command(app, documentation_options)) return *status;
        if (config->parsed()) return hpc::cmd::run_config_check(config_options);
        if (cache->parsed()) return hpc::cmd::run_cache_command(cache_options);
        if (overlay->parsed()) return hpc::cmd::run_overlay_command(overlay_options);
        if (pull->parsed()) return hpc::cmd::run_pull(pull_options);
        if (push->parsed()) return hpc::cmd::run_push(push_options);
        if (slurm->parsed()) return hpc::cmd::run_slurm_command(slurm_options);
        if (instance->parsed()) {
            for (CLI::App* starting : {instance_options.start_command, instance_options.run_command})
                if (starting->parsed() && !instance_options.start.action.image_and_args.empty())
                    hpc::cmd::check_image_word(app, *starting, instance_options.start.action.image_and_args.front(), true);
            return hpc::cmd::run_instance_command(instance_options);
        }
        if (build->parsed()) {
            if (!hpc::image::oci::is_oci_source(build_options.source) &&
                !hpc::image::registry::is_registry_source(build_options.source))
                hpc::cmd::check_image_word(app, *build, build_options.source, false);
            return hpc::cmd::run_build_command(build_options);
        }
        if (!action_options.image_and_args.empty())
            hpc::cmd::check_image_word(app, *chosen_command, action_options.image_and_args.front(), true);
        return hpc::cmd::run_action(action_options, chosen);
    } catch (const hpc::Error& error) {
        hpc::cmd::report_error(error.what());
        return static_cast<int>(error.code());
    } catch (const std::exception& error) {
        hpc::cmd::report_error(std::string("internal error: ") + error.what());
        return static_cast<int>(hpc::ExitCode::software);
    }
}
