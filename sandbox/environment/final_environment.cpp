#include "sandbox/environment/final_environment.hpp"

#include "sandbox/environment/action_script.hpp"
#include "sandbox/environment/known_scripts.hpp"

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

bool evaluates_values(const ContainerEnvironment& environment) {
    return environment.evaluate &&
           std::any_of(environment.injected.begin(), environment.injected.end(),
                       [](const auto& var) { return needs_evaluation(var.second); });
}

// The user's PATH forms acting on the PATH the scripts built: the action script's runtime_vars.sh
// steps, which leave a form that is set but empty, and hpc's 99-runtimevars.sh, which unsets all
// three (`every_form`).
void apply_user_path(FinalEnvironment& env, bool every_form) {
    auto apply_form = [&](const char* name, auto new_path) {
        std::string value = env.value(name);
        if (!value.empty()) env.set("PATH", new_path(value, env.value("PATH")));
        if (!value.empty() || every_form) env.unset(name);
    };
    apply_form("SING_USER_DEFINED_PREPEND_PATH", [](const std::string& form, const std::string& path) { return form + ":" + path; });
    apply_form("SING_USER_DEFINED_APPEND_PATH", [](const std::string& form, const std::string& path) { return path + ":" + form; });
    apply_form("SING_USER_DEFINED_PATH", [](const std::string& form, const std::string&) { return form; });
}

// Sourcing one of the scripts hpc's builds write.
void apply(FinalEnvironment& env, const KnownScript& script) {
    switch (script.kind) {
    case KnownScript::Kind::nothing:
        return;
    case KnownScript::Kind::docker_env:
        for (const DockerEnvEntry& entry : script.entries)
            if (!entry.unless_set || env.value(entry.name).empty()) env.set(entry.name, entry.value);
        return;
    case KnownScript::Kind::library_and_prompt: {
        std::string libraries = env.value("LD_LIBRARY_PATH");
        env.set("LD_LIBRARY_PATH", libraries.empty() ? std::string(bound_libraries_directory)
                                                     : libraries + ":" + std::string(bound_libraries_directory));
        if (env.value("PS1").empty()) env.set("PS1", std::string(image_default_ps1));
        return;
    }
    case KnownScript::Kind::runtime_vars:
        apply_user_path(env, true);
        return;
    }
}

// Apptainer's fixpath, after a Docker-made script: the default PATH's missing directories last.
void append_default_path(FinalEnvironment& env) {
    std::string_view defaults = default_path;
    while (!defaults.empty()) {
        size_t colon = defaults.find(':');
        std::string directory(defaults.substr(0, colon));
        defaults = colon == std::string_view::npos ? std::string_view() : defaults.substr(colon + 1);
        std::string path = env.value("PATH");
        if ((":" + path + ":").find(":" + directory + ":") == std::string::npos)
            env.set("PATH", path.empty() ? directory : path + ":" + directory);
    }
}

// The action script's default_ld_library_path asks the container's ldconfig for the system's
// library directories when 99-base.sh left LD_LIBRARY_PATH at the bound libraries alone and
// there are libraries there or the user adds to it: only the shell can do that.
bool needs_ldconfig(const FinalEnvironment& env, const ContainerEnvironment& environment, const ImageFacts& image) {
    const std::vector<std::string>& first = environment.library_path_first;
    if (std::find(first.begin(), first.end(), bound_libraries_directory) != first.end()) return false;
    const std::string* libraries = env.get("LD_LIBRARY_PATH");
    if (!libraries || *libraries != bound_libraries_directory) return false;
    return image.has_bound_libraries || !env.value("PREPEND_LD_LIBRARY_PATH").empty() ||
           !env.value("APPEND_LD_LIBRARY_PATH").empty();
}

}  // namespace

// The action script's steps (action_script.cpp's write_script), value for value.
std::optional<std::vector<std::string>> final_environment(const ContainerEnvironment& environment,
                                                          const ImageFacts& image) {
    const std::vector<std::string>& scripts = image.env_scripts;
    if (image.app || evaluates_values(environment)) return std::nullopt;
    if (!scripts.empty() && (!image.known_scripts || image.known_scripts->size() != scripts.size()))
        return std::nullopt;

    FinalEnvironment env(environment.base);
    bool ldconfig = false;
    auto inject = [&] {
        if (!env.get("PATH")) env.set("PATH", std::string(default_path));
        for (const auto& [name, value] : environment.injected) env.set(name, value);
        ldconfig = !scripts.empty() && needs_ldconfig(env, environment, image);
    };
    size_t inject_after = scripts_before_values(scripts);
    if (inject_after == 0) inject();
    for (size_t i = 0; i < scripts.size(); ++i) {
        std::string_view name = script_name(scripts[i]);
        if (name == "90-environment.sh" && !env.get("PATH")) env.set("PATH", std::string(default_path));
        apply(env, (*image.known_scripts)[i]);
        if (is_docker_environment_script(name)) append_default_path(env);
        if (i + 1 == inject_after) inject();
    }
    if (ldconfig) return std::nullopt;

    apply_user_path(env, false);
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

}  // namespace hpc::sandbox
