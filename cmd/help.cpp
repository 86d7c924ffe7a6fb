#include "cmd/help.hpp"

#include "cmd/help_texts.hpp"

#include <algorithm>
#include <sstream>

namespace hpc::cmd {
namespace {

// CLI11's layout, but with the usage line of help_texts (CLI11's own would show neither IMAGE
// nor COMMAND: an action's image and command are not CLI11 positionals) at the top, then what the
// command does, its options and commands, and its examples.
class HelpFormatter : public CLI::Formatter {
public:
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
        const CommandHelp* text = find_command_help(command_path(*app));
        if (!text || mode == CLI::AppFormatMode::Sub) return CLI::Formatter::make_help(app, std::move(name), mode);
        std::ostringstream out;
        out << "Usage: " << text->usage << "\n\n" << text->summary << "\n";
        if (!text->description.empty()) out << "\n" << text->description << "\n";
        out << make_positionals(app) << make_groups(app, mode) << make_subcommands(app, mode);
        out << "\nExamples:\n" << text->examples << "\n";
        return out.str();
    }
};

}  // namespace

std::shared_ptr<CLI::FormatterBase> help_formatter() { return std::make_shared<HelpFormatter>(); }

std::string command_path(const CLI::App& command) {
    std::string path;
    for (const CLI::App* app = &command; app->get_parent() != nullptr; app = app->get_parent())
        path = path.empty() ? app->get_name() : app->get_name() + " " + path;
    return path;
}

void attach_help(CLI::App& command) {
    if (const CommandHelp* text = find_command_help(command_path(command)))
        command.description(std::string(text->summary));
    bool hidden = command.get_group().empty();  // a step of the build (man-pages), not for users
    if (command.get_parent() && !command.get_parent()->get_parent() && !hidden) command.group("Commands");
    for (CLI::App* sub : command.get_subcommands([](CLI::App*) { return true; })) attach_help(*sub);
}

void rewrite_help_command(std::vector<std::string>& words, const CLI::App& hpc) {
    // Global options take no values: the first word that is not one is the command.
    auto word = std::find_if(words.begin() + 1, words.end(), [](const std::string& w) { return !w.starts_with('-'); });
    if (word == words.end() || *word != "help") return;
    if (word + 1 != words.end() && (word[1] == "--help" || word[1] == "-h")) return;  // help's own help
    word = words.erase(word);
    const CLI::App* command = &hpc;
    while (word != words.end() && !word->starts_with('-')) {
        auto named = command->get_subcommands([&](const CLI::App* sub) { return sub->get_name() == *word; });
        if (named.empty()) break;
        command = named.front();
        ++word;
    }
    words.insert(word, "--help");
}

}  // namespace hpc::cmd
