// hpc's bash completion: the script `hpc completion bash` prints (as Apptainer's `completion
// bash` does) and the packages install as share/bash-completion/completions/hpc. Its commands
// and options are written from hpc's own command line when the script is printed, so that they
// are always those of the hpc that printed it; only instance names are asked for at TAB
// (`hpc instance list`).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace hpc::cmd {

// The whole script: the table of bash_command_table, then the functions that complete from it,
// and `complete -F _hpc hpc`. `version` is hpc's, for its first line.
std::string bash_completion_script(const CLI::App& hpc, std::string_view version);

// The function _hpc_describe PATH, which sets its caller's `subcommands`, `options`,
// `value_options` (those that take the next word), `argument` (what the first argument is:
// image, instance, command or empty for a file) and `options_end` (1 where options end at the
// first argument, as an action's do) for each command shown under `hpc` ("" for hpc's own).
std::string bash_command_table(const CLI::App& hpc);

// `word` quoted for bash: in single quotes, a quote inside as '\''.
std::string shell_quoted(std::string_view word);

}  // namespace hpc::cmd
