#include "cmd/usage_errors.hpp"

#include "cmd/apptainer_commands.hpp"
#include "cmd/command_tree.hpp"
#include "cmd/help.hpp"
#include "common/error.hpp"

#include <algorithm>

namespace hpc::cmd {
namespace {

bool is_option(std::string_view word) { return word.size() > 1 && word.front() == '-'; }

std::vector<const CLI::App*> subcommands_of(const CLI::App& command) {
    return command.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

// "(see hpc exec --help)", "(see hpc --help)": where the command's options and examples are.
std::string see_help(const std::string& path) { return "(see hpc " + (path.empty() ? "" : path + " ") + "--help)"; }

// "exec: MESSAGE (see hpc exec --help)", for the command at `path`.
std::string prefixed(const std::string& path, const std::string& message) {
    return (path.empty() ? "" : path + ": ") + message + " " + see_help(path);
}

std::string prefixed(const CLI::App& command, const std::string& message) {
    return prefixed(command_path(command), message);
}

// What the command words of a command line name: the deepest command, and the first word
// after it that should have named one of its subcommands and does not.
struct NamedCommand {
    const CLI::App* command;
    std::optional<std::string> stray;
};

NamedCommand named_command(const CLI::App& hpc, const std::vector<std::string>& words) {
    NamedCommand named{&hpc, std::nullopt};
    for (std::size_t index = 1; index < words.size(); ++index) {
        const std::string& word = words[index];
        if (is_option(word)) continue;  // hpc's and its commands' with subcommands take no values
        std::vector<const CLI::App*> subcommands = subcommands_of(*named.command);
        if (subcommands.empty()) break;  // the rest is the command's
        auto sub = std::find_if(subcommands.begin(), subcommands.end(),
                                [&](const CLI::App* candidate) { return candidate->get_name() == word; });
        if (sub == subcommands.end()) {
            named.stray = word;
            break;
        }
        named.command = *sub;
    }
    return named;
}

// The commands help lists: a hidden one is for the build, not to be suggested.
std::string subcommand_names(const CLI::App& command) {
    std::string names;
    for (const CLI::App* sub : shown_subcommands(command)) names += (names.empty() ? "" : ", ") + sub->get_name();
    return names;
}

// "exec: unknown option --bogus (see hpc exec --help)", or the answer for one of Apptainer's,
// or where a global option goes.
std::string option_line(const CLI::App& hpc, const CLI::App& command, std::string_view word) {
    std::string name(word.substr(0, word.find('=')));
    if (std::optional<std::string_view> answer = apptainer_option_answer(command_path(command), name))
        return prefixed(command, name + ": " + std::string(*answer));
    if (&command != &hpc && hpc.get_option_no_throw(name))
        return prefixed(hpc, command_path(command) + ": " + name + " is a global option: put it before the command");
    return prefixed(command, "unknown option " + name);
}

// The first command, from hpc's own down to `deepest`, with words CLI11 could not place, and
// those words. An action's words after its options are its image's, not unplaced.
std::pair<const CLI::App*, std::vector<std::string>> unplaced_words(const CLI::App& deepest) {
    std::vector<const CLI::App*> path;
    for (const CLI::App* command = &deepest; command; command = command->get_parent()) path.insert(path.begin(), command);
    for (const CLI::App* command : path)
        if (!command->get_prefix_command() && !command->remaining().empty()) return {command, command->remaining()};
    return {&deepest, {}};
}

}  // namespace

std::optional<std::string> unknown_command_line(const CLI::App& hpc, const std::vector<std::string>& words) {
    NamedCommand named = named_command(hpc, words);
    if (!named.stray) return std::nullopt;
    std::string parent = command_path(*named.command);
    std::string path = parent.empty() ? *named.stray : parent + " " + *named.stray;
    if (std::optional<std::string_view> answer = apptainer_command_answer(path)) return path + ": " + std::string(*answer);
    return path + ": not an hpc command; hpc " + (parent.empty() ? "" : parent + " ") + "has " +
           subcommand_names(*named.command) + " " + see_help(parent);
}

std::string parse_error_line(const CLI::App& hpc, const std::vector<std::string>& words, const CLI::ParseError& error) {
    const CLI::App& command = *named_command(hpc, words).command;
    // Whatever CLI11 stopped on first (a missing command, say), a word it could not place is
    // the user's mistake to name.
    auto [owner, unplaced] = unplaced_words(command);
    auto option = std::find_if(unplaced.begin(), unplaced.end(), [](const std::string& word) { return is_option(word); });
    if (option != unplaced.end()) return option_line(hpc, *owner, *option);
    if (!unplaced.empty()) return prefixed(*owner, "unexpected argument '" + unplaced.front() + "'");
    if (!subcommands_of(command).empty() && command.get_subcommands().empty())
        return prefixed(command, std::string(command.get_parent() ? "no subcommand given" : "no command given") +
                                     ": " + subcommand_names(command));
    return prefixed(command, error.what());
}

void check_image_word(const CLI::App& hpc, const CLI::App& command, const std::string& word, bool options_end_here) {
    if (options_end_here && is_option(word)) throw Error(ExitCode::usage, option_line(hpc, command, word));
    if (std::optional<std::string_view> answer = image_reference_answer(word))
        throw Error(ExitCode::usage, word + ": " + std::string(*answer));
}

}  // namespace hpc::cmd
