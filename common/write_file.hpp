// Writing a small file whole, by path: the scripts and metadata a build writes into its tree,
// the files a launch stages for the container.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace hpc {

// What write_file does with a file already at the path.
enum class IfExists {
    replace,  // emptied, then written (O_TRUNC); its mode stays
    append,   // written after what it holds (O_APPEND)
    refuse,   // an error, EEXIST (O_EXCL): nothing is written
};

// Writes `content` to the file at `path`, made with `mode` (less the umask) when it is not
// there. A symbolic link at `path` is refused (ELOOP), never followed. Throws hpc::Error
// "write <path>: <cause>".
void write_file(const std::string& path, std::string_view content, mode_t mode, IfExists if_exists = IfExists::replace);

// All of `content` to `fd`, through short writes and EINTR. Throws hpc::Error "write <name>: <cause>".
void write_all(int fd, std::string_view content, const std::string& name);

}  // namespace hpc
