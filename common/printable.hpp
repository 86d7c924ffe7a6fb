// Text from a file (an image's header, a tag, a tar entry's name) fit for a one-line message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hpc {

// `text` with each byte outside printable ASCII, and the backslash, as \xNN, so that hostile
// input cannot put control characters (or a newline) on the user's terminal.
std::string printable(std::string_view text);
// The same in single quotes, cut after `shown` bytes ("..."): a tag, a media type, a member's
// name from a hostile file, kept to one readable line.
std::string quoted_printable(std::string_view text, std::size_t shown = 200);

}  // namespace hpc
