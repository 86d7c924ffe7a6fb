#include "definition/definition.hpp"

#include "common/error.hpp"
#include "definition/definition_stage.hpp"
#include "definition/definition_templating.hpp"
#include "definition/definition_text.hpp"

#include <algorithm>
#include <set>

namespace hpc::image {

std::string DefinitionStage::header_value(std::string_view key) const {
    for (const auto& [header_key, value] : header) {
        if (header_key == key) return value;
    }
    return "";
}

namespace {

using definition_text::fail;

struct Chunk {
    std::string_view text;
    int first_line = 1;
};

bool starts_with_bootstrap_key(std::string_view line) {
    constexpr std::string_view key = "bootstrap:";
    return line.size() >= key.size() && definition_text::lowercase(line.substr(0, key.size())) == key;
}

// Apptainer (deffile.go, All) cuts the file before every line that starts with "Bootstrap:", in
// any case and without leading blanks, wherever it is, even inside a section. What comes before
// the first one is a chunk of its own: nothing, comments, or a stage without a header.
std::vector<Chunk> split_stages(std::string_view text) {
    std::vector<Chunk> chunks;
    size_t start = 0;
    int start_line = 1;
    int line = 1;
    for (size_t at = 0; at < text.size(); ++line) {
        if (at > 0 && starts_with_bootstrap_key(text.substr(at))) {
            chunks.push_back({text.substr(start, at - start), start_line});
            start = at;
            start_line = line;
        }
        size_t newline = text.find('\n', at);
        if (newline == std::string_view::npos) break;
        at = newline + 1;
    }
    chunks.push_back({text.substr(start), start_line});
    return chunks;
}

// Where a stage's messages point: its header, else its first section.
int stage_line(const definition_stage::RawStage& raw, const DefinitionStage& stage, int first_line) {
    if (stage.header_line > 0) return stage.header_line;
    if (!raw.sections.empty()) return raw.sections.front().line;
    return first_line;
}

void check_unused_build_args(const KeyValues& build_args, const std::set<std::string>& consumed, const std::string& name,
                             UnusedBuildArgs unused, std::vector<std::string>& warnings) {
    std::vector<std::string> names;
    for (const auto& [key, value] : build_args) {
        if (!consumed.contains(key) && std::find(names.begin(), names.end(), key) == names.end()) names.push_back(key);
    }
    if (names.empty()) return;
    std::string list;
    for (const std::string& key : names) list += (list.empty() ? "" : " ") + key;
    if (unused == UnusedBuildArgs::warn) {
        warnings.push_back(name + ": Unused build args: " + list);
        return;
    }
    throw Error(ExitCode::usage, name + ": unused build args: " + list +
                                     ". Use option --warn-unused-build-args to show a warning instead of a fatal message");
}

// Apptainer's build (internal/pkg/build/build.go, newBuild and conveyorPacker) wants a header in
// every stage and a Bootstrap in every header; `%files from` must name a stage built before.
void check_stages(const std::vector<DefinitionStage>& stages, const std::vector<int>& lines, const std::string& name) {
    for (size_t i = 0; i < stages.size(); ++i) {
        const DefinitionStage& stage = stages[i];
        // Apptainer says "multiple stages detected, all must have headers" for a lone stage too.
        if (stage.header.empty())
            fail(name, lines[i],
                 stages.size() > 1 ? "multiple stages detected, all must have headers" : "no bootstrap specification found");
        if (stage.header_value("bootstrap").empty()) fail(name, lines[i], "no bootstrap specification found");
        for (const FilesSection& files : stage.files) {
            if (files.from_stage.empty()) continue;
            auto earlier = std::find_if(stages.begin(), stages.begin() + static_cast<std::ptrdiff_t>(i),
                                        [&](const DefinitionStage& other) { return other.name == files.from_stage; });
            if (earlier == stages.begin() + static_cast<std::ptrdiff_t>(i))
                fail(name, files.line, "stage " + files.from_stage + " was not found");
        }
    }
}

}  // namespace

// Apptainer's order (internal/pkg/build/build.go, MakeAllDefs): split the file into stages; for
// each, read its %arguments defaults from the text as written, replace {{ NAME }} in the stage's
// text, then parse the result. Build arguments serve every stage; defaults only their own.
Definition parse_definition(std::string_view text, const std::string& name, const KeyValues& build_args,
                            UnusedBuildArgs unused) {
    definition_templating::ArgMap arguments;
    for (const auto& [key, value] : build_args) arguments[key] = value;

    Definition definition;
    std::vector<int> stage_lines;
    std::set<std::string> consumed;
    std::vector<Chunk> chunks = split_stages(text);
    for (size_t i = 0; i < chunks.size(); ++i) {
        const Chunk& chunk = chunks[i];
        definition_stage::RawStage written = definition_stage::split_stage(chunk.text, chunk.first_line);
        if (i == 0 && definition_stage::is_blank(written)) {
            // Apptainer drops these leading comments from the definition it stores; hpc keeps the
            // file whole.
            definition.text += chunk.text;
            continue;
        }
        std::vector<definition_text::TextLine> argument_lines;
        for (const definition_stage::RawSection& section : written.sections) {
            if (section.name == "arguments") argument_lines.insert(argument_lines.end(), section.body.begin(), section.body.end());
        }
        definition_templating::ArgMap defaults =
            definition_templating::read_argument_defaults(argument_lines, name, definition.warnings);
        std::string templated =
            definition_templating::apply_build_args(chunk.text, chunk.first_line, name, arguments, defaults, consumed);
        definition_stage::RawStage raw = definition_stage::split_stage(templated, chunk.first_line);
        definition.stages.push_back(definition_stage::parse_stage(raw, name, definition.warnings));
        stage_lines.push_back(stage_line(raw, definition.stages.back(), chunk.first_line));
        definition.text += templated;
    }
    if (definition.stages.empty()) fail(name, 0, "no stages found in definition file");
    check_unused_build_args(build_args, consumed, name, unused, definition.warnings);
    check_stages(definition.stages, stage_lines, name);
    return definition;
}

}  // namespace hpc::image
