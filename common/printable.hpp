// Text from a file (an image's header, a tag, a tar entry's name) fit for a one-line message.
#pragma once

#include <string>
#include <string_view>

namespace hpc {

// `text` with each byte outside printable ASCII, and the backslash, as \xNN, so that hostile
// input cannot put control characters (or a newline) on the user's terminal.
std::string printable(std::string_view text);

}  // namespace hpc
