// What a stage's definition leaves in /.singularity.d after %post, as Apptainer's builds leave it:
// the runscript, startscript and test (with their #! line, or /bin/sh's), runscript.help, the
// %environment appended to env/90-environment.sh, labels.json (the image's existing labels, those
// %post appended to $APPTAINER_LABELS, the org.label-schema build labels, then %labels), and the
// definition as Singularity (an earlier one moved to bootstrap_history/).
#pragma once

#include "definition/definition.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hpc::builder {

struct MetadataContext {
    int64_t build_time = 0;   // seconds since the epoch: $SOURCE_DATE_EPOCH, or now
    std::string arch;         // "amd64"
    std::string hpc_version;  // for org.label-schema.usage.hpc.version
};

// Writes into `root`; returns warnings (labels %labels would overwrite, kept as they were).
std::vector<std::string> write_metadata(const std::string& root, const image::DefinitionStage& stage,
                                        const std::string& definition_text, const MetadataContext& context);

// The command that runs a section script at `script_path`, as Apptainer builds it from the
// section's arguments: /bin/sh -e SCRIPT, or with `-c SHELL ARGS`, /bin/sh -e -c "SHELL ARGS SCRIPT".
// `args` are a parsed definition's (%pre, %setup, %post), whose parser refused a `-c` without a
// shell after it, with its file and line, before the build began.
std::vector<std::string> section_command(const std::string& script_path, const std::string& args);

}  // namespace hpc::builder
