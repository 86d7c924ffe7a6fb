#include "image/oci/message_text.hpp"

#include "common/printable.hpp"

namespace hpc::image::oci {

std::string quoted_text(std::string_view text) {
    constexpr std::size_t shown = 200;
    return "'" + printable(text.substr(0, shown)) + (text.size() > shown ? "..." : "") + "'";
}

}  // namespace hpc::image::oci
