// Reading a variable from an environment held as "NAME=VALUE" entries (a HostFacts' environ,
// a prolog's): what getenv(3) answers for the process's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc {

// The value of the first entry named `name`, as getenv(3) takes the first of duplicates;
// nullopt when there is none ("" for "NAME=").
std::optional<std::string_view> environ_value(const std::vector<std::string>& environ, std::string_view name);

// The absolute directories of a search path variable (LD_LIBRARY_PATH, PATH), in order. Empty
// and relative entries (the working directory, to the loader and the shell) are left out: what
// they name depends on where a program runs, and no bind can follow that.
std::vector<std::string> environ_directories(const std::vector<std::string>& environ, std::string_view name);

}  // namespace hpc
