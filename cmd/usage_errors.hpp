// The one line hpc says for a command line it cannot take: a command it has not got, an
// unknown option, a missing value. Each names the command and points to its help, or gives
// hpc's answer where Apptainer has the thing (cmd/apptainer_commands.hpp). Exit status 64.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hpc::cmd {

// For a command word that is not hpc's (the first after the global options, or the word after
// a command that has subcommands: `config global`), the line to say; nullopt when every
// command word is hpc's. `words` is the whole command line, `hpc` hpc's App.
std::optional<std::string> unknown_command_line(const CLI::App& hpc, const std::vector<std::string>& words);

// For what CLI11 refused in a command line whose command words are hpc's.
std::string parse_error_line(const CLI::App& hpc, const std::vector<std::string>& words, const CLI::ParseError& error);

// An action's IMAGE or a build's SOURCE, checked before anything is opened: throws
// Error(usage) for an option (an action's options end at the first word CLI11 does not know as
// one, so an unknown option arrives here as its IMAGE) or an Apptainer image reference
// (docker://...).
void check_image_word(const CLI::App& hpc, const CLI::App& command, const std::string& word, bool options_end_here);

}  // namespace hpc::cmd
