// Definition files, in Apptainer's format: one pure function from the file's text and the build
// arguments to a parsed, templated Definition, with Apptainer's semantics and messages
// (pkg/build/types/parser/deffile.go, internal/pkg/build/args/). No I/O: the caller reads the
// definition and any --build-arg-file and passes their text. Whether a %files source exists, and
// which bootstrap agents can be built, are the builder's questions.
//
// Errors are hpc::Error, one line, "<name>:<line>: <Apptainer's wording>": ExitCode::data for a
// bad definition, ExitCode::usage for a bad --build-arg or an unused build argument.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::image {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// One line of %files: `source [destination]`, each optionally in "double" or 'single' quotes.
// The source is a path or a bash glob (on the host, or in the stage of `%files from STAGE`); the
// destination is a path in this stage's root, relative ones taken from /, never above / (checked
// here). An empty destination means the source's own path.
struct FileCopy {
    std::string source;
    std::string destination;
    int line = 0;

    bool operator==(const FileCopy&) const = default;
};

// The %files sections of a stage that copy from the same place: the host (from_stage "") or an
// earlier stage (`%files from STAGE`). Like Apptainer, sections with the same origin are merged,
// in file order; `line` is the first one's.
struct FilesSection {
    std::string from_stage;
    std::vector<FileCopy> copies;
    int line = 0;

    bool operator==(const FilesSection&) const = default;
};

// A script section. Repeated sections are concatenated in file order (every body line ends with
// '\n'); `args` is what follows the section name (`%post -c /bin/bash` gives "-c /bin/bash"),
// without a trailing `# comment`, and a later section's non-empty args replace earlier ones.
// `line` is that of the first section header, 0 when the section is absent.
struct Script {
    std::string body;
    std::string args;
    int line = 0;

    bool operator==(const Script&) const = default;
};

// A SCIF app: its sections (%appinstall NAME, %apprun NAME, ...), as Apptainer's apps.go reads
// them. Bodies are the script sections' (repeated sections joined in file order); app sections
// take no arguments. `line` is that of the app's first section.
struct ScifApp {
    std::string name;
    int line = 0;
    Script install, run, start, test, environment, help;
    KeyValues labels;             // %applabels, read as %labels
    std::vector<FileCopy> files;  // %appfiles: destinations absolute, inside /scif/apps/NAME

    bool operator==(const ScifApp&) const = default;
};

struct DefinitionStage {
    std::string name;  // the Stage: header value, "" when there is none
    KeyValues header;  // keys lowercased, in order, each once (a repeated key keeps its place, last value wins)
    int header_line = 0;
    std::string header_value(std::string_view key) const;  // "" if absent

    // %pre runs on the host before the bootstrap (Apptainer still runs it), %setup on the host after it.
    Script pre, setup, post, environment, runscript, startscript, test, help;
    std::vector<FilesSection> files;
    KeyValues labels;  // %labels `KEY VALUE` lines, in order; a repeated key keeps its place, last value wins
    // In the order of their first sections: Apptainer installs them in that order.
    std::vector<ScifApp> apps;
};

struct Definition {
    std::vector<DefinitionStage> stages;  // in file order; the last one is the image
    // The whole file after templating: what the image stores as /.singularity.d/Singularity and
    // its SIF definition object.
    std::string text;
    std::vector<std::string> warnings;  // one line each, "<name>:<line>: ..." where a line applies
};

// Apptainer fails on a build argument that no {{ NAME }} uses, unless --warn-unused-build-args.
enum class UnusedBuildArgs { error, warn };

// `build_args` are KEY=VALUE pairs; a later pair wins over an earlier one with the same key, so
// pass parse_build_arg_file's values first and parse_build_args's after them (Apptainer's
// precedence: --build-arg over --build-arg-file). `name` is for messages (the path as given).
Definition parse_definition(std::string_view text, const std::string& name, const KeyValues& build_args,
                            UnusedBuildArgs unused = UnusedBuildArgs::error);

// --build-arg values, each KEY=VALUE (key and value trimmed, the value may hold '='). Throws
// hpc::Error(usage) for a value without '=' or with an empty key.
KeyValues parse_build_args(const std::vector<std::string>& values);

// A --build-arg-file: KEY=VALUE lines. Blank lines and # comments are skipped; any other line
// that is no KEY=VALUE pair is skipped with a warning, as Apptainer does.
struct BuildArgFile {
    KeyValues values;
    std::vector<std::string> warnings;
};
BuildArgFile parse_build_arg_file(const std::string& name, std::string_view content);

}  // namespace hpc::image
