// Base64 with RFC 4648's standard alphabet and padding, through nettle: HTTP Basic
// authentication's "user:password" (RFC 7617) and the "auth" of Docker's config.json.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hpc::image::registry {

std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes, or nullopt when it is not padded standard base64: as strict as Go's
// base64.StdEncoding, which Docker decodes "auth" with (no blanks, no missing padding, no
// URL-safe alphabet), where nettle alone would skip blanks.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hpc::image::registry
