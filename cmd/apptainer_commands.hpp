// What hpc answers when asked for something Apptainer has and hpc has not (yet): a command, an
// option, an image from a registry. Each answer is one line, said as "hpc: WHAT: ANSWER".
#pragma once

#include <optional>
#include <string_view>

namespace hpc::cmd {

// For a command Apptainer has: its path ("pull", "config global").
std::optional<std::string_view> apptainer_command_answer(std::string_view path);

// For an option Apptainer's `command` has (its path: "exec", "build", "" for hpc itself): its
// name ("--memory", "-u"), without "=value". The same word may have another answer on another
// command, or none.
std::optional<std::string_view> apptainer_option_answer(std::string_view command, std::string_view option);

// For an IMAGE or a build's SOURCE in Apptainer's TRANSPORT:REFERENCE form (docker://ubuntu,
// library://..., oras://..., instance://name): what hpc can do instead. Apptainer takes such a
// word for a reference whatever files exist, and so does hpc.
std::optional<std::string_view> image_reference_answer(std::string_view word);

}  // namespace hpc::cmd
