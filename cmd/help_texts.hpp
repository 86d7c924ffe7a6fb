// The words of hpc's help, command by command: the one-line summary that `hpc --help` lists,
// the usage line, what the command does, and examples. The options are listed by CLI11 from
// their own definitions (cmd/*_options.cpp, cmd/*_command.cpp), so that each is described once.
#pragma once

#include <string_view>

namespace hpc::cmd {

struct CommandHelp {
    std::string_view path;         // "" for hpc itself, "exec", "config check"
    std::string_view summary;      // one line
    std::string_view usage;        // after "Usage: "
    std::string_view description;  // a few lines, or empty
    std::string_view examples;     // lines of "  hpc ...", each maybe with a "# why"
};

// The help of the command at `path` (its names from hpc's own down, space-separated), or null
// for a command without one.
const CommandHelp* find_command_help(std::string_view path);

}  // namespace hpc::cmd
