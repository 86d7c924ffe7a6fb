// A response's header fields, gathered from the lines libcurl's header callback gives.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::http {

// What a header line was.
enum class HeaderLine {
    status,     // "HTTP/1.1 302 Found": a new response starts (after a redirect, a 100 Continue, a proxy's CONNECT)
    field,      // "Name: value", or a continuation of the one before
    other,      // the blank line ending the header, or a line that is none of these (ignored)
    too_large,  // the response's header has passed its bound
};

// The fields of the last response of a transfer: each status line forgets the fields before it,
// so that only the final response's are kept. Names are lower-cased (HTTP/1.1 sends them in any
// case, HTTP/2 in lower case), values trimmed of blanks and the line's end.
class HeaderLines {
public:
    explicit HeaderLines(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // One line, with its "\r\n". The bytes of one response's lines are bounded by max_bytes.
    HeaderLine add(std::string_view line);

    std::vector<std::pair<std::string, std::string>>& fields() { return fields_; }

private:
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace hpc::http
