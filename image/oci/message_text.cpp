#include "image/oci/message_text.hpp"

#include <cstdio>

namespace hpc::image::oci {

std::string quoted_text(std::string_view text) {
    constexpr std::size_t shown = 200;
    std::string out = "'";
    for (unsigned char c : text.substr(0, shown)) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        }
    }
    if (text.size() > shown) out += "...";
    return out + "'";
}

}  // namespace hpc::image::oci
