#include "http/header_lines.hpp"

#include "common/text.hpp"

namespace hpc::http {
namespace {

constexpr std::string_view blanks = " \t\r\n";

}  // namespace

HeaderLine HeaderLines::add(std::string_view line) {
    if (line.starts_with("HTTP/")) {
        fields_.clear();
        bytes_ = line.size();
        return HeaderLine::status;
    }
    bytes_ += line.size();
    if (bytes_ > max_bytes_) return HeaderLine::too_large;
    // obs-fold (RFC 9110 5.5): a line that starts with a blank continues the field before it.
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !fields_.empty()) {
        std::string_view more = trim(line, blanks);
        if (more.empty()) return HeaderLine::other;
        std::string& value = fields_.back().second;
        value += value.empty() ? "" : " ";
        value += more;
        return HeaderLine::field;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return HeaderLine::other;
    fields_.emplace_back(ascii_lower_case(line.substr(0, colon)), trim(line.substr(colon + 1), blanks));
    return HeaderLine::field;
}

}  // namespace hpc::http
