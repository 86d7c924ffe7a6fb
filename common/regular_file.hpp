// A file the user names on the command line (--env-file, --build-arg-file), read once through
// one descriptor: what is checked is what is read.
#pragma once

#include <cstddef>
#include <string>

namespace hpc {

// The whole content of the regular file at `path`, of at most `max_bytes`. Throws hpc::Error
// "<what>: <cause>": the errno's message when it cannot be opened (ENOENT: no_input, EACCES
// and EPERM: denied, as throw_errno maps them); "not a regular file" (a directory, a FIFO, a
// device) and "larger than N bytes" as usage, since the command line named the wrong thing.
std::string read_regular_file(const std::string& path, std::size_t max_bytes, const std::string& what);
// The same, through a descriptor the caller opened (O_NONBLOCK, for a FIFO's sake), from its offset.
std::string read_regular_file(int fd, std::size_t max_bytes, const std::string& what);

}  // namespace hpc
