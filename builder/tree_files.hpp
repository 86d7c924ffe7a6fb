// Small file operations on a build's tree, each failing with an hpc::Error naming the path.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace hpc::builder {

void make_directories(const std::string& path);  // mode 0755, parents too
void make_link_if_missing(const std::string& path, const std::string& target);
void write_if_missing(const std::string& path, const std::string& content, unsigned mode);
void write_file(const std::string& path, const std::string& content, unsigned mode);  // replaces
void append_file(const std::string& path, const std::string& content);
// nullopt when there is no file; one larger than `max_bytes` is an error.
std::optional<std::string> read_file_if_exists(const std::string& path, std::size_t max_bytes);
bool exists(const std::string& path);  // lstat: a dangling link exists
// `path` (absolute, inside the tree) resolved inside `root` as after chroot: every link followed,
// an absolute one from the root, ".." never above it; components that do not exist are kept.
// The result starts with `root`.
std::string resolve_inside(const std::string& root, const std::string& path);

}  // namespace hpc::builder
