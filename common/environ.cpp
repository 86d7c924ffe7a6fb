#include "common/environ.hpp"

namespace hpc {

std::optional<std::string_view> environ_value(const std::vector<std::string>& environ, std::string_view name) {
    for (const std::string& entry : environ)
        if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=')
            return std::string_view(entry).substr(name.size() + 1);
    return std::nullopt;
}

}  // namespace hpc
