// A read-only view of a file tree, as the library search needs it: the host's own, or an
// image's before anything is mounted (builder/ makes that one from image/'s tree, which mpi/
// does not know). Paths are absolute in the tree viewed; symlinks resolve inside it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc::mpi {

// A file's bytes, kept valid by `owner` (a mapping or a string).
struct FileBytes {
    std::string_view bytes;
    std::shared_ptr<const void> owner;
};

struct FileView {
    // A regular file's bytes, symlinks followed; nullopt when missing, not a regular file, or
    // not readable by the user (as the dynamic loader passes such a file over). Throws
    // hpc::Error for other failures.
    std::function<std::optional<FileBytes>(const std::string& path)> read;
    // The names in a directory, without "." and ".."; empty when missing.
    std::function<std::vector<std::string>(const std::string& path)> list;
    // The path with every symlink resolved; nullopt when it does not exist.
    std::function<std::optional<std::string>(const std::string& path)> canonical;
    std::function<bool(const std::string& path)> is_directory;  // links followed
};

// The host's own files: mapped, not read, so that a library's pages the ELF reader does not
// look at are never touched.
FileView host_file_view();

}  // namespace hpc::mpi
