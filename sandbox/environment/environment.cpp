// Which variables the container gets, and from where: Apptainer's SetContainerEnv
// (internal/pkg/util/env/create.go) and its launcher's --env/--env-file handling, with
// hpc's own HPCENV_ prefix first. How they are applied is action_script.cpp's and
// payload_command.cpp's business.
#include "sandbox/environment/environment.hpp"

#include "common/error.hpp"
#include "common/csv_list.hpp"
#include "common/text.hpp"
#include "sandbox/environment/env_file.hpp"
#include "sandbox/environment/shell_syntax.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace hpc::sandbox {
namespace {

// Settings for the runtime itself: never forwarded.
constexpr std::array<std::string_view, 3> setting_prefixes = {"APPTAINER_", "SINGULARITY_", "HPC_"};

// Values for the container, in precedence order: the first prefix that sets a name wins.
constexpr std::array<std::string_view, 3> value_prefixes = {"HPCENV_", "APPTAINERENV_", "SINGULARITYENV_"};

// Host variables that pass even with --cleanenv (Apptainer's alwaysPassKeys).
// SLURM_JOB_ID too: `hpc slurm epilog` finds a job's leftover container processes by it.
constexpr std::array<std::string_view, 12> always_pass = {
    "TERM",     "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy",
    "NO_PROXY", "all_proxy",  "ALL_PROXY",  "ftp_proxy",   "FTP_PROXY",   "SLURM_JOB_ID"};

// Host variables that never pass (Apptainer's alwaysOmitKeys, the settings among them being
// dropped by prefix anyway). PWD names a host directory: the container's comes from `cwd`.
constexpr std::array<std::string_view, 4> never_pass = {"HOME", "PATH", "LD_LIBRARY_PATH", "PWD"};

// Names the user may not set in the container (alwaysOmitKeys marked not overridable).
constexpr std::array<std::string_view, 5> not_settable = {"HOME", "APPTAINER_SHELL", "APPTAINER_APPNAME",
                                                          "SINGULARITY_SHELL", "SINGULARITY_APPNAME"};

// Read-only in bash, or set by the shell itself: an environment file never sets them
// (Apptainer's ReadOnlyVars).
constexpr std::array<std::string_view, 7> shell_owned = {"EUID", "GID", "HOME", "IFS", "OPTIND", "PWD", "UID"};

// Never set from the user's values.
constexpr std::array<std::string_view, 7> shell_variables = {"UID", "GID", "EUID", "PPID", "SHELLOPTS", "BASHOPTS",
                                                             "BASH_VERSINFO"};

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

bool has_prefix_from(std::string_view name, const auto& prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return name.starts_with(p); });
}

std::pair<std::string, std::string> split_assignment(std::string_view entry) {
    size_t equals = entry.find('=');
    return {std::string(entry.substr(0, equals)), std::string(entry.substr(equals + 1))};
}

void set_var(EnvVars& vars, const std::string& name, const std::string& value) {
    auto found = std::find_if(vars.begin(), vars.end(), [&](const auto& var) { return var.first == name; });
    if (found != vars.end())
        found->second = value;
    else
        vars.emplace_back(name, value);
}

bool has_var(const EnvVars& vars, std::string_view name) {
    return std::any_of(vars.begin(), vars.end(), [&](const auto& var) { return var.first == name; });
}

// The user's values, collected from the least to the most specific source.
class Injection {
public:
    Injection(ContainerEnvironment& environment, const EnvVars& base) : environment_(environment), base_(base) {}

    // A value from a source that yields to earlier ones of the same kind (the prefixes).
    void offer(const std::string& name, const std::string& value, const std::string& origin) {
        std::optional<std::string> key = container_key(name, origin);
        if (!key) return;
        if (Value* found = find(*key)) {
            if (found->value != value)
                warn(origin + " is ignored: " + found->origin + " already sets " + *key);
            return;
        }
        add({*key, value, origin});
    }

    // A value from a source that overrides all before it (--env-file, then --env).
    void impose(const std::string& name, const std::string& value, const std::string& origin) {
        std::optional<std::string> key = container_key(name, origin);
        if (!key) return;
        if (Value* found = find(*key))
            *found = {*key, value, origin};
        else
            add({*key, value, origin});
    }

    void finish() {
        for (Value& entry : values_) {
            // Apptainer appends the libraries it binds to a user's LD_LIBRARY_PATH, so that
            // they stay found (--nv) and come last.
            if (entry.name == "LD_LIBRARY_PATH" && !entry.value.empty())
                entry.value += ":" + std::string(bound_libraries_directory);
            if (environment_.evaluate) {
                if (std::optional<std::string> problem = evaluation_problem(entry.value))
                    throw Error(ExitCode::usage, entry.origin + ": the container's shell cannot evaluate the value of " +
                                                     entry.name + ": " + *problem +
                                                     " (write \\$ for a literal $, or use --no-eval)");
            }
            environment_.injected.emplace_back(entry.name, entry.value);
        }
    }

private:
    struct Value {
        std::string name;
        std::string value;
        std::string origin;
    };

    // By name through an index: a 1 MiB --env-file sets some 100,000 names, and looking each
    // up along the list took a minute.
    Value* find(const std::string& name) {
        auto found = positions_.find(name);
        return found == positions_.end() ? nullptr : &values_[found->second];
    }

    void add(Value value) {
        positions_.emplace(value.name, values_.size());
        values_.push_back(std::move(value));
    }

    // The name to export in the container, or nullopt (with a warning) when it is refused.
    std::optional<std::string> container_key(const std::string& name, const std::string& origin) {
        // PATH is set after the image's scripts have built theirs (runtime_vars.sh).
        if (name == "PATH") return "SING_USER_DEFINED_PATH";
        if (name == "APPEND_PATH") return "SING_USER_DEFINED_APPEND_PATH";
        if (name == "PREPEND_PATH") return "SING_USER_DEFINED_PREPEND_PATH";
        if (contains(not_settable, name)) {
            warn(origin + " is ignored: " + name + " cannot be set in the container");
            return std::nullopt;
        }
        // The shell's own: Apptainer skips UID and GID; the others are read-only in bash,
        // where exporting them would stop the container's shell (bash is RHEL's /bin/sh).
        if (contains(shell_variables, name)) {
            warn(origin + " is ignored: " + name + " is the shell's own variable");
            return std::nullopt;
        }
        if (has_var(base_, name)) {
            warn(origin + " is ignored: " + name + " is set by hpc");
            return std::nullopt;
        }
        return name;
    }

    void warn(std::string message) { environment_.warnings.push_back(std::move(message)); }

    ContainerEnvironment& environment_;
    const EnvVars& base_;
    std::vector<Value> values_;  // in the order they were first set
    std::unordered_map<std::string, size_t> positions_;  // name -> index in values_
};

// pflag's StringToString, which Apptainer's --env is: a value with a single '=' is one
// NAME=value (commas included, surrounding double quotes trimmed); with more, a CSV record
// of NAME=value fields.
EnvVars parse_env_option(const std::string& option) {
    auto fail = [&](const std::string& cause) {
        throw Error(ExitCode::usage, "--env '" + option + "': " + cause);
    };
    EnvVars pairs;
    if (option.empty()) return pairs;
    std::vector<std::string> fields;
    size_t equals = static_cast<size_t>(std::count(option.begin(), option.end(), '='));
    if (equals == 0) fail("expected NAME=value");
    if (equals == 1) {
        size_t first = option.find_first_not_of('"');
        size_t last = option.find_last_not_of('"');
        fields.push_back(option.substr(first, last - first + 1));
    } else {
        try {
            fields = parse_csv_fields(option);
        } catch (const Error& error) {
            fail(error.what());
        }
    }
    for (const std::string& field : fields) {
        size_t at = field.find('=');
        if (at == std::string::npos) fail("'" + field + "' is not NAME=value");
        std::string name = field.substr(0, at);
        if (!is_shell_name(name)) fail("'" + name + "' is not a valid variable name");
        set_var(pairs, name, field.substr(at + 1));
    }
    return pairs;
}

// --no-env takes a comma list of names, as Apptainer's (a string slice).
std::vector<std::string> no_env_names(const std::vector<std::string>& options) {
    std::vector<std::string> names;
    for (const std::string& option : options) {
        size_t start = 0;
        while (start <= option.size()) {
            size_t comma = std::min(option.find(',', start), option.size());
            std::string_view name = trim(std::string_view(option).substr(start, comma - start), " \t");
            if (!name.empty()) names.emplace_back(name);
            start = comma + 1;
        }
    }
    return names;
}

EnvVars base_variables(const EnvironmentRequest& request) {
    EnvVars base = {{"HOME", request.home}, {"PATH", std::string(default_path)}};
    if (!request.cwd.empty()) base.emplace_back("PWD", request.cwd);
    for (const auto& [name, value] : request.runtime) set_var(base, name, value);
    return base;
}

void collect_injected(const EnvironmentRequest& request, ContainerEnvironment& environment) {
    Injection injection(environment, environment.base);
    for (std::string_view prefix : value_prefixes) {
        for (const std::string& entry : request.host_environ) {
            if (!entry.starts_with(prefix) || entry.find('=') == std::string::npos) continue;
            auto [prefixed, value] = split_assignment(entry);
            std::string name = prefixed.substr(prefix.size());
            if (name.empty()) continue;
            if (!is_shell_name(name)) {
                environment.warnings.push_back(prefixed + " is ignored: '" + name + "' is not a valid variable name");
                continue;
            }
            injection.offer(name, value, prefixed);
        }
    }
    for (const EnvFile& file : request.env_files) {
        for (const EnvFileAssignment& assignment : parse_env_file(file)) {
            std::string origin = file.name + ":" + std::to_string(assignment.line);
            if (contains(shell_owned, assignment.name)) {
                environment.warnings.push_back(origin + ": " + assignment.name +
                                               " is ignored: an environment file cannot set it");
                continue;
            }
            injection.impose(assignment.name, assignment.value, origin);
        }
    }
    for (const std::string& option : request.env_options)
        for (const auto& [name, value] : parse_env_option(option)) injection.impose(name, value, "--env " + name);
    injection.finish();
}

void collect_host(const EnvironmentRequest& request, ContainerEnvironment& environment) {
    std::vector<std::string> dropped = no_env_names(request.no_env);
    // --cleanenv's LANG=C is a default like a host variable: the image's scripts may set another.
    if (request.clean_env && !has_var(environment.injected, "LANG")) environment.host.emplace_back("LANG", "C");
    for (const auto& [name, value] : request.device_variables)
        if (!has_var(environment.injected, name) && !has_var(environment.base, name)) set_var(environment.host, name, value);
    for (const std::string& entry : request.host_environ) {
        if (entry.find('=') == std::string::npos) continue;
        auto [name, value] = split_assignment(entry);
        if (!is_shell_name(name)) continue;  // e.g. BASH_FUNC_ml%%: no shell could restore it
        if (has_prefix_from(name, setting_prefixes) || has_prefix_from(name, value_prefixes)) continue;
        if (request.clean_env && !contains(always_pass, name)) continue;
        if (contains(never_pass, name)) continue;
        if (std::find(dropped.begin(), dropped.end(), name) != dropped.end()) continue;
        if (has_var(environment.injected, name) || has_var(environment.base, name)) continue;
        if (has_var(environment.host, name)) continue;  // getenv(3) sees the first of duplicates
        environment.host.emplace_back(std::move(name), std::move(value));
    }
}

}  // namespace

ContainerEnvironment plan_environment(const EnvironmentRequest& request) {
    ContainerEnvironment environment;
    environment.evaluate = !request.no_eval;
    environment.uid = request.uid;
    environment.gid = request.gid;
    environment.library_path_first = request.library_path_first;
    environment.base = base_variables(request);
    collect_injected(request, environment);
    collect_host(request, environment);
    return environment;
}

}  // namespace hpc::sandbox
