// One stage of a definition file (from a `Bootstrap:` line to the next): its header lines and
// sections, first split (split_stage), then parsed into a DefinitionStage (parse_stage), after
// Apptainer's pkg/build/types/parser/deffile.go. Internal to image/; see definition.hpp.
#pragma once

#include "definition/definition.hpp"
#include "definition/definition_text.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::definition_stage {

struct RawSection {
    std::string name;        // lowercased, without '%'
    std::string_view args;   // what follows the name on its line, as written
    int line = 0;
    std::vector<definition_text::TextLine> body;
};

struct RawStage {
    std::vector<definition_text::TextLine> header;  // the lines before the first section
    std::vector<RawSection> sections;
};

// A section starts at a line whose first word starts with '%'; everything before the first one is
// the header. Views point into `chunk`.
RawStage split_stage(std::string_view chunk, int first_line);

// True when the stage holds nothing but blank and comment lines.
bool is_blank(const RawStage& stage);

// What the sections of a stage and of its SCIF apps (app_sections.hpp) share.

// Text before the first '#': Apptainer's way of dropping a trailing comment from a header line or
// from section arguments (a '#' inside a value ends it too).
std::string_view before_comment(std::string_view text);
// The words of `text`, split at ASCII whitespace.
std::vector<std::string_view> words_of(std::string_view text);
// Sets `key` in `pairs`: a repeated key keeps its place, the last value wins.
void set_value(KeyValues& pairs, std::string key, std::string value);
// Appends the section's body (each line ending in '\n') to `script`; non-empty `args` replace its
// arguments; `script.line` becomes the section's if it had none.
void append_body(Script& script, const RawSection& section, std::string args);
// %labels lines, `KEY VALUE`, the value the rest of the line, trimmed, quotes and all.
void read_labels(KeyValues& labels, const RawSection& section);
// %files lines, `SOURCE [DESTINATION]` (either may be quoted), destinations as written; `label`
// ("%files") names the section in messages. An empty source is skipped with a warning.
std::vector<FileCopy> read_copy_lines(const RawSection& section, const std::string& label, const std::string& name,
                                      std::vector<std::string>& warnings);
// Lexically: does a ".." of `path` climb above where it starts (a relative path is taken from /)?
bool climbs_above_root(std::string_view path);

// Parses header, sections, %files and %labels. Checks header keys and section names; %files
// destinations must stay inside the root. Does not check Bootstrap (the caller does, knowing
// how many stages there are) nor `%files from` names.
DefinitionStage parse_stage(const RawStage& stage, const std::string& name, std::vector<std::string>& warnings);

}  // namespace hpc::image::definition_stage
