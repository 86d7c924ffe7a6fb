#include "sandbox/environment/known_scripts.hpp"

#include "common/text.hpp"
#include "sandbox/environment/shell_syntax.hpp"

namespace hpc::sandbox {
namespace {

constexpr std::string_view docker_env_header =
    "#!/bin/sh\n"
    "# The image's Env: PATH as the image sets it; any other variable the image's value unless\n"
    "# it is set already and not empty.\n";

// Reads the text hpc writes, token by token; any difference ends the reading.
class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    bool done() const { return pos_ == text_.size(); }
    bool literal(std::string_view expected) {
        if (text_.substr(pos_, expected.size()) != expected) return false;
        pos_ += expected.size();
        return true;
    }
    std::optional<std::string> name() {
        size_t end = pos_;
        while (end < text_.size() && is_shell_name_char(text_[end], end == pos_)) ++end;
        if (end == pos_) return std::nullopt;
        std::string found(text_.substr(pos_, end - pos_));
        pos_ = end;
        return found;
    }
    // single_quoted()'s output: '...' with each ' inside written '\''.
    std::optional<std::string> single_quoted_word() {
        if (!literal("'")) return std::nullopt;
        std::string value;
        for (;;) {
            size_t close = text_.find('\'', pos_);
            if (close == std::string_view::npos) return std::nullopt;
            value += text_.substr(pos_, close - pos_);
            pos_ = close + 1;
            if (!literal("\\''")) return value;
            value += '\'';
        }
    }

private:
    std::string_view text_;
    size_t pos_ = 0;
};

// One entry as docker_env_script() writes it, or nullopt.
std::optional<DockerEnvEntry> read_docker_entry(Reader& reader) {
    DockerEnvEntry entry;
    entry.unless_set = reader.literal("[ -n \"${");
    std::optional<std::string> name = reader.name();
    if (!name) return std::nullopt;
    if (entry.unless_set && (!reader.literal(":-}\" ] || ") || !reader.literal(*name))) return std::nullopt;
    if (!reader.literal("=")) return std::nullopt;
    entry.name = std::move(*name);
    std::optional<std::string> value = reader.single_quoted_word();
    if (!value || !reader.literal("\nexport ") || !reader.literal(entry.name) || !reader.literal("\n"))
        return std::nullopt;
    entry.value = std::move(*value);
    return entry;
}

std::optional<std::vector<DockerEnvEntry>> read_docker_env_script(std::string_view content) {
    Reader reader(content);
    if (!reader.literal(docker_env_header)) return std::nullopt;
    std::vector<DockerEnvEntry> entries;
    while (!reader.done()) {
        std::optional<DockerEnvEntry> entry = read_docker_entry(reader);
        if (!entry) return std::nullopt;
        entries.push_back(std::move(*entry));
    }
    return entries;
}

}  // namespace

std::string docker_env_script(const std::vector<DockerEnvEntry>& entries) {
    std::string script(docker_env_header);
    for (const DockerEnvEntry& entry : entries) {
        if (entry.unless_set) script += "[ -n \"${" + entry.name + ":-}\" ] || ";
        script += entry.name + "=" + single_quoted(entry.value) + "\n";
        script += "export " + entry.name + "\n";
    }
    return script;
}

bool may_be_known_script(std::string_view name, uint64_t size) {
    if (name == "01-base.sh") return size == base_script.size();
    if (name == "90-environment.sh") return size == environment_section_script.size();
    if (name == "99-base.sh") return size == library_and_prompt_script.size();
    if (name == "99-runtimevars.sh") return size == runtime_vars_script.size();
    if (name == "10-docker2singularity.sh") return size >= docker_env_header.size() && size <= max_known_script_bytes;
    return false;
}

std::optional<KnownScript> recognise_script(std::string_view name, std::string_view content) {
    if (content.size() > max_known_script_bytes) return std::nullopt;
    if ((name == "01-base.sh" && content == base_script) ||
        (name == "90-environment.sh" && content == environment_section_script))
        return KnownScript{KnownScript::Kind::nothing, {}};
    if (name == "99-base.sh" && content == library_and_prompt_script)
        return KnownScript{KnownScript::Kind::library_and_prompt, {}};
    if (name == "99-runtimevars.sh" && content == runtime_vars_script)
        return KnownScript{KnownScript::Kind::runtime_vars, {}};
    if (name == "10-docker2singularity.sh")
        if (std::optional<std::vector<DockerEnvEntry>> entries = read_docker_env_script(content))
            return KnownScript{KnownScript::Kind::docker_env, std::move(*entries)};
    return std::nullopt;
}

}  // namespace hpc::sandbox
