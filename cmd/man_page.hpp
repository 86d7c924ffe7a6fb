// hpc's manual pages (man(7) roff), one per command, written from the same words as its --help:
// the texts of help_texts.cpp and the options as CLI11 holds them. `hpc man-pages DIR` writes
// them at build time (CMakeLists.txt), so that a page cannot say other than --help says.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace hpc::cmd {

// `text` as roff prints it, never as requests: '\' as \e, '-' as \- (the minus sign, which
// man's output keeps as the ASCII hyphen a user can paste), and a '.' or '\'' that starts a
// line after \& (at the start of a line either would begin a request).
std::string roff_escape(std::string_view text);

// The page's name for the command at `path` (command_path's): "hpc", "hpc-cache-clean".
std::string man_page_name(std::string_view path);

// The page of `command`, a command of hpc's App or that App itself: NAME, SYNOPSIS,
// DESCRIPTION, OPTIONS, ARGUMENTS, COMMANDS, EXAMPLES and SEE ALSO, the sections it has words
// for. `version` is hpc's, for the page's footer.
std::string man_page(const CLI::App& command, std::string_view version);

struct ManPage {
    std::string file_name;  // "hpc-cache-clean.1"
    std::string text;
};

// The pages of `hpc` (hpc's App) and of every command shown under it, hidden ones left out.
std::vector<ManPage> man_pages(const CLI::App& hpc, std::string_view version);

}  // namespace hpc::cmd
