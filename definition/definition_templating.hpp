// Build arguments: KEY=VALUE parsing (--build-arg, --build-arg-file, %arguments) and the
// replacement of {{ NAME }} in a definition, after Apptainer's internal/pkg/build/args/.
// Internal to image/; parse_definition (definition.hpp) is the public entry.
#pragma once

#include "definition/definition_text.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::definition_templating {

using ArgMap = std::map<std::string, std::string, std::less<>>;

struct KeyValue {
    std::string key;
    std::string value;
};

// Apptainer's getKeyVal: split at the first '=', trim both sides, the key must not be empty.
// On failure `error` gets Apptainer's reason ("\"k v\" is not a key=value pair").
std::optional<KeyValue> split_key_value(std::string_view text, std::string& error);

// The defaults of a stage's %arguments sections (their body lines): KEY=VALUE lines, blank lines
// and # comments skipped, a later key winning; a bad line is skipped with a warning.
ArgMap read_argument_defaults(const std::vector<definition_text::TextLine>& body, const std::string& name,
                              std::vector<std::string>& warnings);

// `chunk` (one stage of the file, whose first line is `first_line`) with every {{ NAME }} replaced
// by the build argument NAME, else the stage's %arguments default, as Apptainer does. Names used
// are added to `consumed`. Throws hpc::Error(data) naming an undefined variable and its line.
std::string apply_build_args(std::string_view chunk, int first_line, const std::string& name,
                             const ArgMap& build_args, const ArgMap& defaults, std::set<std::string>& consumed);

}  // namespace hpc::image::definition_templating
