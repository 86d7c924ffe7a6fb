#include "common/printable.hpp"

#include <cstdio>

namespace hpc {

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        }
    }
    return out;
}

std::string quoted_printable(std::string_view text, std::size_t shown) {
    return "'" + printable(text.substr(0, shown)) + (text.size() > shown ? "..." : "") + "'";
}

}  // namespace hpc
