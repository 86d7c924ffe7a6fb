// Helpers for the squashfs writer's tests: trees with fixed contents, modes and times, images
// written into a temporary directory, and the reference tools' output.
#pragma once

#include "image/write/squashfs_writer.hpp"
#include "image_fixture.hpp"

#include <cstdint>
#include <string>

namespace hpc::test {

// Sets the modification time of `path` itself (never a symlink's target).
void set_mtime(const std::string& path, int64_t seconds);
void make_directory(const std::string& path, unsigned mode);
void make_symlink(const std::string& target, const std::string& path);

// Runs `command` with sh; returns its standard output, and its exit status in `status`.
std::string shell_output(const std::string& command, int* status = nullptr);
std::string quoted(const std::string& text);  // for a shell command line

// Writes the squashfs of `source` to `image` (created), optionally after `offset` bytes of
// `prefix_byte`. Throws what write_squashfs throws.
image::SquashfsWriteResult write_image(const std::string& source, const std::string& image,
                                       const image::SquashfsWriteOptions& options, uint64_t offset = 0,
                                       char prefix_byte = 'P');

// Whether user.* xattrs can be set in `directory`'s file system.
bool user_xattrs_supported(const std::string& directory);

}  // namespace hpc::test
