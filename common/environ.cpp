#include "common/environ.hpp"

#include <algorithm>

namespace hpc {

std::optional<std::string_view> environ_value(const std::vector<std::string>& environ, std::string_view name) {
    for (const std::string& entry : environ)
        if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=')
            return std::string_view(entry).substr(name.size() + 1);
    return std::nullopt;
}

std::vector<std::string> environ_directories(const std::vector<std::string>& environ, std::string_view name) {
    std::vector<std::string> directories;
    std::string_view rest = environ_value(environ, name).value_or("");
    while (!rest.empty()) {
        size_t colon = std::min(rest.find(':'), rest.size());
        if (colon > 0 && rest.front() == '/') directories.emplace_back(rest.substr(0, colon));
        rest = colon == rest.size() ? std::string_view() : rest.substr(colon + 1);
    }
    return directories;
}

}  // namespace hpc
