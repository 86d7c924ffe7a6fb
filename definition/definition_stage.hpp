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

// Parses header, sections, %files and %labels. Checks header keys and section names; %files
// destinations must stay inside the root. Does not check Bootstrap (the caller does, knowing
// how many stages there are) nor `%files from` names.
DefinitionStage parse_stage(const RawStage& stage, const std::string& name, std::vector<std::string>& warnings);

}  // namespace hpc::image::definition_stage
