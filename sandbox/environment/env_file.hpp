// --env-file: a file of sh assignments, read as sh would read them but never run. Each
// command is `[export] NAME=value...`; quotes and backslashes are removed as sh removes them
// ('...' literal; "..." with \$ \` \" \\ and line continuations; \x outside quotes), blank
// lines and comments are skipped. $VAR, ${...}, $(...) and `...` are not expanded on the
// host: they are kept as written, and the container's shell evaluates them like --env values,
// so `PATH="\$PATH:/opt/bin"` and `PATH=$PATH:/opt/bin` both extend the container's PATH.
// Anything that would run a command is an error.
#pragma once

#include "sandbox/environment/environment.hpp"

#include <string>
#include <vector>

namespace hpc::sandbox {

struct EnvFileAssignment {
    std::string name;
    std::string value;
    size_t line = 0;  // where the assignment starts, from 1

    bool operator==(const EnvFileAssignment&) const = default;
};

// The largest file hpc reads as one. Real ones hold a few lines; and what it sets must still
// fit, with the rest of the environment, in the 2 MiB that execve(2) takes for arguments and
// environment together (a quarter of the default 8 MiB stack limit).
constexpr size_t max_env_file_bytes = size_t{1} << 20;

// In the file's order (a name may come more than once; the last wins). Throws
// hpc::Error(usage) "<file.name>:<line>: <cause>", or "<file.name>: larger than 1048576 bytes".
std::vector<EnvFileAssignment> parse_env_file(const EnvFile& file);

}  // namespace hpc::sandbox
