// The environment scripts hpc's builds write into /.singularity.d/env, in their exact words,
// and what each does. The builder writes them from here; a launch that finds every script of an
// image to be one of them, byte for byte, computes the container's environment itself
// (final_environment.hpp) instead of starting the image's /bin/sh to source them: about 1 ms of
// every task of a workflow. Any other script, or any change to one of these (a %environment
// section, a script edited in a sandbox, Apptainer's own), goes to the image's shell as before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::sandbox {

// 01-base.sh and 90-environment.sh as every build starts them (a %environment section is
// appended to the latter), 99-base.sh and 99-runtimevars.sh.
inline constexpr std::string_view base_script = "#!/bin/sh\n# The image's base environment: nothing to set.\n";
inline constexpr std::string_view environment_section_script =
    "#!/bin/sh\n# The %environment section of the definition follows.\n";
inline constexpr std::string_view library_and_prompt_script =
    "#!/bin/sh\n"
    "# Libraries a runtime binds into /.singularity.d/libs come last; a prompt if none is set.\n"
    "if [ -z \"${LD_LIBRARY_PATH:-}\" ]; then\n"
    "    LD_LIBRARY_PATH=/.singularity.d/libs\n"
    "else\n"
    "    LD_LIBRARY_PATH=\"$LD_LIBRARY_PATH:/.singularity.d/libs\"\n"
    "fi\n"
    "if [ -z \"${PS1:-}\" ]; then\n"
    "    PS1=\"hpc> \"\n"
    "fi\n"
    "export LD_LIBRARY_PATH PS1\n";
inline constexpr std::string_view runtime_vars_script =
    "#!/bin/sh\n"
    "# PATH as the user asked for it at run time (PREPEND_PATH, APPEND_PATH, PATH).\n"
    "if [ -n \"${SING_USER_DEFINED_PREPEND_PATH:-}\" ]; then PATH=\"$SING_USER_DEFINED_PREPEND_PATH:$PATH\"; fi\n"
    "if [ -n \"${SING_USER_DEFINED_APPEND_PATH:-}\" ]; then PATH=\"$PATH:$SING_USER_DEFINED_APPEND_PATH\"; fi\n"
    "if [ -n \"${SING_USER_DEFINED_PATH:-}\" ]; then PATH=\"$SING_USER_DEFINED_PATH\"; fi\n"
    "unset SING_USER_DEFINED_PREPEND_PATH SING_USER_DEFINED_APPEND_PATH SING_USER_DEFINED_PATH\n"
    "export PATH\n";

// The PS1 99-base.sh sets when none is.
inline constexpr std::string_view image_default_ps1 = "hpc> ";

// One entry of an OCI config's Env as 10-docker2singularity.sh holds it: the value outright
// (the builder's choice for PATH), or unless the name is set already and not empty.
struct DockerEnvEntry {
    std::string name;   // a shell name
    std::string value;  // no NUL byte; "" for an entry without '='
    bool unless_set = true;

    bool operator==(const DockerEnvEntry&) const = default;
};

// 10-docker2singularity.sh for these entries (each value single-quoted on its own).
std::string docker_env_script(const std::vector<DockerEnvEntry>& entries);

// What a known script does when sourced.
struct KnownScript {
    enum class Kind {
        nothing,              // 01-base.sh, an empty 90-environment.sh
        docker_env,           // 10-docker2singularity.sh: `entries`
        library_and_prompt,   // 99-base.sh
        runtime_vars,         // 99-runtimevars.sh
    };
    Kind kind = Kind::nothing;
    std::vector<DockerEnvEntry> entries;

    bool operator==(const KnownScript&) const = default;
};

// The largest script worth reading to recognise: an image's Env of a few hundred entries.
constexpr size_t max_known_script_bytes = 64 * 1024;

// What the script named `name` (its file name in /.singularity.d/env) with this content does,
// when it is exactly as hpc writes that file; nullopt for anything else.
std::optional<KnownScript> recognise_script(std::string_view name, std::string_view content);

// Whether a script of this name and size can be one hpc writes: false spares reading (and
// decompressing) another's scripts, Apptainer's for instance, only to find them unknown.
bool may_be_known_script(std::string_view name, uint64_t size);

}  // namespace hpc::sandbox
