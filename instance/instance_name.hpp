// Instance names, as Apptainer allows them: letters, digits, '.', '_' and '-', so that a name is
// a file name and fits a log file's. `instance stop` and `list` take shell patterns of them.
#pragma once

#include <string_view>

namespace hpc::instance {

inline constexpr std::size_t max_name_length = 128;

// Throws hpc::Error(usage) "NAME: not a valid instance name (...)".
void check_instance_name(std::string_view name);

// `name` matches the shell pattern (fnmatch(3): *, ?, [...]); a plain name matches itself.
bool name_matches(std::string_view pattern, std::string_view name);

}  // namespace hpc::instance
