// The commands that write documents from hpc's own command line, so that none can say other
// than hpc does:
//   hpc completion bash     the bash completion script (cmd/bash_completion.hpp), as Apptainer's
//                           `completion bash` prints its own
//   hpc man-pages DIR       hidden: a man page per command into DIR (cmd/man_page.hpp), which
//                           the build runs (CMakeLists.txt)
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace hpc::cmd {

struct DocumentationOptions {
    CLI::App* completion_bash = nullptr;
    CLI::App* man_pages = nullptr;
    std::string man_directory;
};

// Whether `command` (the first command word of the command line) writes about every command:
// main.cpp then registers every action's options, which it otherwise does for the one run.
bool describes_every_command(std::string_view command);

// Adds `completion` (with `bash`) and the hidden `man-pages` to hpc's App.
void add_documentation_commands(CLI::App& hpc, DocumentationOptions& options);

// Runs the command the command line named, given hpc's App (whole: every command's options
// registered); nullopt when it named neither. Throws hpc::Error when a page cannot be written.
std::optional<int> run_documentation_command(const CLI::App& hpc, const DocumentationOptions& options);

}  // namespace hpc::cmd
