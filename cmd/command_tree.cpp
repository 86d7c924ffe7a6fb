#include "cmd/command_tree.hpp"

namespace hpc::cmd {

std::vector<const CLI::App*> shown_subcommands(const CLI::App& command) {
    return command.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

std::vector<const CLI::Option*> shown_options(const CLI::App& command) {
    return command.get_options(
        [](const CLI::Option* option) { return !option->get_group().empty() && option->nonpositional(); });
}

std::vector<const CLI::Option*> shown_positionals(const CLI::App& command) {
    return command.get_options(
        [](const CLI::Option* option) { return !option->get_group().empty() && !option->nonpositional(); });
}

// A flag expects no items (CLI11 gives it a type size of 1 all the same); an option whose value
// may be left out (expected 0 or 1) takes one only after "=", and so completes as a flag.
bool takes_value(const CLI::Option& option) { return option.get_items_expected_min() > 0; }

std::vector<std::string> option_names(const CLI::Option& option) {
    std::vector<std::string> names;
    for (const std::string& name : option.get_snames()) names.push_back("-" + name);
    for (const std::string& name : option.get_lnames()) names.push_back("--" + name);
    return names;
}

}  // namespace hpc::cmd
