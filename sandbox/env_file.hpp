// --env-file: a file of sh assignments, read as sh would read them but never run. Each
// command is `[export] NAME=value...`; quotes and backslashes are removed as sh removes them
// ('...' literal; "..." with \$ \` \" \\ and line continuations; \x outside quotes), blank
// lines and comments are skipped. $VAR, ${...}, $(...) and `...` are not expanded on the
// host: they are kept as written, and the container's shell evaluates them like --env values,
// so `PATH="\$PATH:/opt/bin"` and `PATH=$PATH:/opt/bin` both extend the container's PATH.
// Anything that would run a command is an error.
#pragma once

#include "sandbox/environment.hpp"

#include <string>
#include <vector>

namespace hpc::sandbox {

struct EnvFileAssignment {
    std::string name;
    std::string value;
    size_t line = 0;  // where the assignment starts, from 1

    bool operator==(const EnvFileAssignment&) const = default;
};

// In the file's order (a name may come more than once; the last wins). Throws
// hpc::Error(usage) "<file.name>:<line>: <cause>".
std::vector<EnvFileAssignment> parse_env_file(const EnvFile& file);

}  // namespace hpc::sandbox
