#include "image/registry/base64.hpp"

#include <nettle/base64.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace hpc::image::registry {
namespace {

bool in_alphabet(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// Whole groups of four; '=' only as the last one or two characters.
bool is_padded_base64(std::string_view text) {
    if (text.size() % 4 != 0) return false;
    size_t end = text.size();
    size_t padding = 0;
    while (padding < 2 && end > 0 && text[end - 1] == '=') {
        --end;
        ++padding;
    }
    return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), in_alphabet);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string text(BASE64_ENCODE_RAW_LENGTH(bytes.size()), '\0');
    base64_encode_raw(text.data(), bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
    return text;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (!is_padded_base64(text)) return std::nullopt;
    std::string bytes(BASE64_DECODE_LENGTH(text.size()), '\0');
    base64_decode_ctx context;
    base64_decode_init(&context);
    size_t length = bytes.size();
    if (!base64_decode_update(&context, &length, reinterpret_cast<uint8_t*>(bytes.data()), text.size(), text.data()) ||
        !base64_decode_final(&context))
        return std::nullopt;
    bytes.resize(length);
    return bytes;
}

}  // namespace hpc::image::registry
