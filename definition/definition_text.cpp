#include "definition/definition_text.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

#include <cstdio>

namespace hpc::image::definition_text {

std::vector<TextLine> split_lines(std::string_view text, int first_number) {
    std::vector<TextLine> lines;
    int number = first_number;
    for (std::string_view line : hpc::split_lines(text)) {
        size_t offset = static_cast<size_t>(line.data() - text.data());
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back({line, number++, offset});
    }
    return lines;
}

std::string lowercase(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lower;
}

std::string go_quote(std::string_view text) {
    std::string quoted = "\"";
    for (char c : text) {
        switch (c) {
        case '"': quoted += "\\\""; break;
        case '\\': quoted += "\\\\"; break;
        case '\a': quoted += "\\a"; break;
        case '\b': quoted += "\\b"; break;
        case '\f': quoted += "\\f"; break;
        case '\n': quoted += "\\n"; break;
        case '\r': quoted += "\\r"; break;
        case '\t': quoted += "\\t"; break;
        case '\v': quoted += "\\v"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                char escaped[5];
                std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
                quoted += escaped;
            } else {
                quoted += c;
            }
        }
    }
    return quoted + "\"";
}

std::string located(const std::string& name, int line, const std::string& message) {
    if (line <= 0) return name + ": " + message;
    return name + ":" + std::to_string(line) + ": " + message;
}

void fail(const std::string& name, int line, const std::string& message) {
    throw Error(ExitCode::data, located(name, line, message));
}

}  // namespace hpc::image::definition_text
