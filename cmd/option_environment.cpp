#include "cmd/option_environment.hpp"

#include "cmd/option_variables.hpp"
#include "common/error.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace hpc::cmd {
namespace {

// In precedence order. Apptainer reads APPTAINER_ before SINGULARITY_ (env.ApptainerPrefixes):
// the newer name wins; hpc's own name is newer still.
constexpr std::array<std::string_view, 3> prefixes = {"HPC_", "APPTAINER_", "SINGULARITY_"};
constexpr size_t hpc_rank = 0;

struct Variable {
    size_t rank;  // its prefix's index in `prefixes`
    std::string_view name;
    std::string_view key;  // the name without its prefix
    std::string_view value;
};

// The variables with an option prefix and a value that is not blank (Apptainer ignores a blank
// one), each name once: the first, as getenv(3) takes it.
std::vector<Variable> prefixed_variables(const std::vector<std::string>& entries) {
    std::vector<Variable> found;
    for (const std::string& entry : entries) {
        size_t equals = entry.find('=');
        if (equals == std::string::npos) continue;
        std::string_view name = std::string_view(entry).substr(0, equals);
        std::string_view value = std::string_view(entry).substr(equals + 1);
        for (size_t rank = 0; rank < prefixes.size(); ++rank) {
            if (!name.starts_with(prefixes[rank]) || trim(value).empty()) continue;
            bool seen = std::any_of(found.begin(), found.end(), [&](const Variable& v) { return v.name == name; });
            if (!seen) found.push_back({rank, name, name.substr(prefixes[rank].size()), value});
        }
    }
    return found;
}

// The index of `key` among a row's space-separated keys.
std::optional<size_t> key_index(std::string_view keys, std::string_view key) {
    size_t index = 0;
    while (!keys.empty()) {
        size_t space = keys.find(' ');
        if (keys.substr(0, space) == key) return index;
        if (space == std::string_view::npos) break;
        keys.remove_prefix(space + 1);
        ++index;
    }
    return std::nullopt;
}

// Go's strconv.ParseBool, which pflag uses for a bool flag's value.
std::optional<bool> parse_go_bool(std::string_view text) {
    for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"})
        if (text == yes) return true;
    for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"})
        if (text == no) return false;
    return std::nullopt;
}

// What a value means, for telling two names that say the same apart from two that disagree.
std::string meaning(const Variable& variable, ValueKind kind) {
    std::string_view value = trim(variable.value);
    if (kind == ValueKind::boolean)
        if (std::optional<bool> flag = parse_go_bool(value)) return *flag ? "true" : "false";
    return std::string(value);
}

bool reads_prefix(const OptionVariable& row, size_t rank) {
    switch (row.prefixes) {
    case Prefixes::every:
        return true;
    case Prefixes::hpc:
        return rank == hpc_rank;
    case Prefixes::apptainer:
        return rank != hpc_rank;
    }
    return false;
}

struct Found {
    const Variable* variable;
    size_t key;  // its key's index in the row
};

class OptionEnvironment {
public:
    explicit OptionEnvironment(const std::vector<std::string>& entries) : variables_(prefixed_variables(entries)) {}

    bool empty() const { return variables_.empty(); }

    // Every row of `scope` that a set variable names, on `command` ("hpc exec" in messages).
    void apply(CLI::App& command, unsigned scope, const std::string& command_words) {
        for (const OptionVariable& row : option_variables()) {
            if ((row.scopes & scope) == 0) continue;
            std::vector<Found> found = set_for(row);
            if (found.empty()) continue;
            CLI::Option* option = row.option.empty() ? nullptr : command.get_option_no_throw(std::string(row.option));
            if (option)
                honour(row, *option, found);
            else
                ignore(row, found, command_words);
        }
    }

    std::vector<std::string> take_warnings() { return std::move(warnings_); }

private:
    // The row's variables in precedence order: by prefix, then by key (Apptainer reads every key
    // under APPTAINER_ before any under SINGULARITY_), under the row's prefixes alone.
    std::vector<Found> set_for(const OptionVariable& row) const {
        std::vector<Found> found;
        for (const Variable& variable : variables_) {
            if (!reads_prefix(row, variable.rank)) continue;
            if (std::optional<size_t> key = key_index(row.keys, variable.key)) found.push_back({&variable, *key});
        }
        std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
            return std::pair(a.variable->rank, a.key) < std::pair(b.variable->rank, b.key);
        });
        return found;
    }

    void honour(const OptionVariable& row, CLI::Option& option, const std::vector<Found>& found) {
        if (row.kind == ValueKind::append) {
            // Every key adds its values, each from its strongest prefix.
            std::vector<const Found*> used;
            for (const Found& candidate : found) {
                auto same_key = std::find_if(used.begin(), used.end(), [&](const Found* u) { return u->key == candidate.key; });
                if (same_key != used.end()) {
                    overridden(*candidate.variable, *(*same_key)->variable, row.kind);
                    continue;
                }
                used.push_back(&candidate);
                set(option, *candidate.variable, row.kind);
            }
            return;
        }
        // The command line's value stands, as Apptainer's EnvSetValue leaves a changed flag.
        if (option.count() > 0) return;
        for (size_t i = 1; i < found.size(); ++i) overridden(*found[i].variable, *found.front().variable, row.kind);
        set(option, *found.front().variable, row.kind);
    }

    // A variable a stronger one overrides is said only when they disagree: sites often set
    // APPTAINER_BINDPATH and SINGULARITY_BINDPATH alike.
    void overridden(const Variable& weaker, const Variable& stronger, ValueKind kind) {
        if (meaning(weaker, kind) != meaning(stronger, kind))
            warnings_.push_back(std::string(weaker.name) + " is ignored: " + std::string(stronger.name) +
                                ", set too, takes precedence");
    }

    static void set(CLI::Option& option, const Variable& variable, ValueKind kind) {
        std::string_view value = trim(variable.value);
        auto refuse = [&](const std::string& cause) {
            throw Error(ExitCode::usage, std::string(variable.name) + "='" + std::string(variable.value) + "': " + cause);
        };
        try {
            switch (kind) {
            case ValueKind::boolean: {
                std::optional<bool> flag = parse_go_bool(value);
                if (!flag) refuse("not a boolean (1, t, true, 0, f, false)");
                option.add_result(*flag ? "true" : "false");
                break;
            }
            case ValueKind::value:
                option.add_result(std::string(value));
                break;
            case ValueKind::list:
                while (!value.empty()) {
                    size_t comma = value.find(',');
                    std::string_view item = trim(value.substr(0, comma));
                    if (!item.empty()) option.add_result(std::string(item));
                    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
                }
                break;
            case ValueKind::append:
                option.add_result(std::string(variable.value));
                break;
            }
            option.run_callback();
        } catch (const CLI::Error& error) {
            refuse(error.what());
        }
    }

    // Apptainer's variables for an option hpc's command lacks. HPC_ names only hpc's options,
    // and a site's HPC_SCRATCH is no request to hpc: not a word about those.
    void ignore(const OptionVariable& row, const std::vector<Found>& found, const std::string& command_words) {
        if (row.absent != WhenAbsent::warn || row.prefixes == Prefixes::hpc) return;
        for (const Found& candidate : found) {
            const Variable& variable = *candidate.variable;
            if (variable.rank == hpc_rank) continue;
            // "Do not" is what hpc does without the option.
            if (row.kind == ValueKind::boolean && parse_go_bool(trim(variable.value)) == false) continue;
            std::string cause = row.note.empty() ? command_words + " has no " + std::string(row.option) : std::string(row.note);
            warnings_.push_back(std::string(variable.name) + " is ignored: " + cause);
        }
    }

    std::vector<Variable> variables_;
    std::vector<std::string> warnings_;
};

}  // namespace

std::vector<std::string> apply_option_environment(CLI::App& app, const std::vector<std::string>& entries) {
    OptionEnvironment environment(entries);
    if (environment.empty()) return {};
    environment.apply(app, global_scope, "hpc");
    // The command run, and below it the subcommand run (instance start's are the actions' options).
    for (CLI::App* command : app.get_subcommands()) {
        if (unsigned scope = command_scope(command->get_name())) environment.apply(*command, scope, "hpc " + command->get_name());
        for (CLI::App* sub : command->get_subcommands()) {
            std::string path = command->get_name() + " " + sub->get_name();
            if (unsigned scope = command_scope(path)) environment.apply(*sub, scope, "hpc " + path);
        }
    }
    return environment.take_warnings();
}

}  // namespace hpc::cmd
