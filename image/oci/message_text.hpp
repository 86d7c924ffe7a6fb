// Text from an image (a tag, a media type, a member's name) fit for a one-line message.
#pragma once

#include <string>
#include <string_view>

namespace hpc::image::oci {

// `text` in single quotes, bytes outside printable ASCII as \xNN so that a hostile image cannot
// put control characters on the user's terminal, and cut after 200 bytes ("...").
std::string quoted_text(std::string_view text);

}  // namespace hpc::image::oci
