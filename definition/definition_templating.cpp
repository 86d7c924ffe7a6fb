#include "definition/definition_templating.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "definition/definition.hpp"

namespace hpc::image {
namespace definition_templating {
namespace {

using definition_text::go_quote;
using definition_text::located;

// Go's regexp \s and \w, which Apptainer's {{\s*(\w+)\s*}} uses: ASCII only, no '\v' in \s.
bool is_template_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

struct Placeholder {
    size_t begin = 0;  // of "{{"
    size_t end = 0;    // past "}}"
    std::string_view name;
};

// The leftmost {{ NAME }} at or after `from`, as Go's FindAll finds them one after the other.
std::optional<Placeholder> next_placeholder(std::string_view text, size_t from) {
    for (size_t begin = text.find("{{", from); begin != std::string_view::npos; begin = text.find("{{", begin + 1)) {
        size_t at = begin + 2;
        while (at < text.size() && is_template_space(text[at])) ++at;
        size_t name_begin = at;
        while (at < text.size() && is_word(text[at])) ++at;
        size_t name_end = at;
        while (at < text.size() && is_template_space(text[at])) ++at;
        if (name_end > name_begin && text.substr(at, 2) == "}}")
            return Placeholder{begin, at + 2, text.substr(name_begin, name_end - name_begin)};
    }
    return std::nullopt;
}

// Apptainer leaves a {{ NAME }} alone when its line, from the end of the last replacement on it,
// holds a '#' followed by anything but '!' before it (reader.go's commentLineRegexp): so comment
// lines keep their placeholders while a "#!/bin/{{ SHELL }}" shebang is templated. The test is
// that loose on purpose of compatibility: `x#y {{ A }}` is left alone too.
bool after_comment_mark(std::string_view text, size_t replaced_up_to, size_t placeholder) {
    size_t start = replaced_up_to;
    for (size_t at = placeholder + 1; at-- > replaced_up_to;) {
        if (text[at] == '\n') {
            start = at;
            break;
        }
    }
    for (size_t at = start; at + 1 < placeholder; ++at) {
        if (text[at] == '#' && text[at + 1] != '!') return true;
    }
    return false;
}

const std::string* lookup(const ArgMap& map, std::string_view key) {
    auto found = map.find(key);
    return found == map.end() ? nullptr : &found->second;
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
    std::string replaced;
    size_t start = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, start)) {
        replaced.append(text, start, at - start);
        replaced += with;
        start = at + what.size();
    }
    replaced.append(text, start);
    text = std::move(replaced);
}

// A value may itself hold {{ OTHER }} (a %arguments default such as IMAGE={{ BASE }}:latest):
// Apptainer resolves one level of those from the same two sources and leaves unknown ones as
// written; they do not count as used.
std::string resolve_nested(const std::string& value, const ArgMap& build_args, const ArgMap& defaults) {
    std::string resolved = value;
    for (auto inner = next_placeholder(value, 0); inner; inner = next_placeholder(value, inner->end)) {
        const std::string* replacement = lookup(build_args, inner->name);
        if (!replacement) replacement = lookup(defaults, inner->name);
        if (replacement) replace_all(resolved, std::string_view(value).substr(inner->begin, inner->end - inner->begin), *replacement);
    }
    return resolved;
}

}  // namespace

std::optional<KeyValue> split_key_value(std::string_view text, std::string& error) {
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
        error = go_quote(text) + " is not a key=value pair";
        return std::nullopt;
    }
    std::string_view key = trim(text.substr(0, equals));
    if (key.empty()) {
        error = "missing key portion in " + go_quote(text);
        return std::nullopt;
    }
    return KeyValue{std::string(key), std::string(trim(text.substr(equals + 1)))};
}

ArgMap read_argument_defaults(const std::vector<definition_text::TextLine>& body, const std::string& name,
                              std::vector<std::string>& warnings) {
    ArgMap defaults;
    for (const definition_text::TextLine& line : body) {
        std::string_view text = trim(line.text);
        if (text.empty() || text.front() == '#') continue;
        std::string error;
        if (auto pair = split_key_value(text, error)) {
            defaults[pair->key] = pair->value;
        } else {
            warnings.push_back(located(name, line.number, "Skipping " + go_quote(text) + " in 'arguments' section: " + error));
        }
    }
    return defaults;
}

std::string apply_build_args(std::string_view chunk, int first_line, const std::string& name,
                             const ArgMap& build_args, const ArgMap& defaults, std::set<std::string>& consumed) {
    std::string result;
    size_t copied_up_to = 0;
    for (auto placeholder = next_placeholder(chunk, 0); placeholder; placeholder = next_placeholder(chunk, placeholder->end)) {
        if (after_comment_mark(chunk, copied_up_to, placeholder->begin)) continue;
        const std::string* value = lookup(build_args, placeholder->name);
        if (!value) value = lookup(defaults, placeholder->name);
        if (!value) {
            int line = first_line;
            for (size_t at = 0; at < placeholder->begin; ++at) line += chunk[at] == '\n';
            definition_text::fail(name, line,
                                  "build var " + std::string(placeholder->name) +
                                      " is not defined through either --build-arg (--build-arg-file) or 'arguments' section");
        }
        result.append(chunk.substr(copied_up_to, placeholder->begin - copied_up_to));
        result += resolve_nested(*value, build_args, defaults);
        consumed.emplace(placeholder->name);
        copied_up_to = placeholder->end;
    }
    result.append(chunk.substr(copied_up_to));
    return result;
}

}  // namespace definition_templating

KeyValues parse_build_args(const std::vector<std::string>& values) {
    KeyValues pairs;
    for (const std::string& value : values) {
        std::string error;
        auto pair = definition_templating::split_key_value(value, error);
        if (!pair) throw Error(ExitCode::usage, "--build-arg: " + error);
        pairs.emplace_back(std::move(pair->key), std::move(pair->value));
    }
    return pairs;
}

BuildArgFile parse_build_arg_file(const std::string& name, std::string_view content) {
    BuildArgFile file;
    for (const definition_text::TextLine& line : definition_text::split_lines(content, 1)) {
        // Apptainer warns about blank and comment lines too (and takes "#A=1" for the key "#A");
        // hpc skips them as its %arguments reader does.
        std::string_view text = trim(line.text);
        if (text.empty() || text.front() == '#') continue;
        std::string error;
        if (auto pair = definition_templating::split_key_value(line.text, error)) {
            file.values.emplace_back(std::move(pair->key), std::move(pair->value));
        } else {
            file.warnings.push_back(definition_text::located(
                name, line.number, "Skipping " + definition_text::go_quote(line.text) + " in build arg file: " + error));
        }
    }
    return file;
}

}  // namespace hpc::image
