// The names in a directory held by a descriptor, read without resolving any path again.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hpc {

// The names in `directory` (an open directory descriptor, left open and unmoved), without "."
// and ".."; at most `limit` of them, and `limit + 1` names when there are more, so that a caller
// can tell. Throws hpc::Error(os) when the directory cannot be read.
std::vector<std::string> directory_names(int directory, std::size_t limit);

}  // namespace hpc
