#include "common/process_environment.hpp"

extern char** environ;

namespace hpc {

std::vector<std::string> process_environment() {
    std::vector<std::string> entries;
    for (char** entry = environ; entry && *entry; ++entry) entries.emplace_back(*entry);
    return entries;
}

}  // namespace hpc
