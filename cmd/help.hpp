// `--help` for every command, and `hpc help`: the usage line, description and examples of
// cmd/help_texts.hpp around the options CLI11 lists.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace hpc::cmd {

// Set on hpc's own App before any command is added: the commands inherit it.
std::shared_ptr<CLI::FormatterBase> help_formatter();

// The command's path: its names from hpc's own down, space-separated ("config check"; "" for hpc).
std::string command_path(const CLI::App& command);

// Gives `command` its summary (the line `hpc --help` lists) and examples from help_texts, and
// the same to each of its subcommands.
void attach_help(CLI::App& command);

// `hpc [global options] help [COMMAND [SUBCOMMAND]] [...]` becomes
// `hpc [global options] [COMMAND [SUBCOMMAND]] --help [...]`, so that each command's help is
// written once, by CLI11; --help goes right after the command's names, so that no word after
// them can be taken for an image to run. `words` is the whole command line, `hpc` hpc's App.
void rewrite_help_command(std::vector<std::string>& words, const CLI::App& hpc);

}  // namespace hpc::cmd
