// Text helpers shared by the definition-file parser (definition.cpp and the files beside it):
// lines with their numbers, and the one-line error every bad definition throws.
// Internal to image/; the public API is definition.hpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hpc::image::definition_text {

// One line of a definition file, without its '\n' and without one '\r' before it (Apptainer
// reads lines with Go's bufio.ScanLines, which drops both, so CRLF files parse like LF ones).
struct TextLine {
    std::string_view text;
    int number = 0;     // from 1, in the whole file
    size_t offset = 0;  // of the line's first byte in the text it was split from
};

// The lines of `text` (hpc::split_lines, less one '\r' each); the first is numbered
// `first_number`. A final line without '\n' counts, an empty text has no lines.
std::vector<TextLine> split_lines(std::string_view text, int first_number);

std::string lowercase(std::string_view text);

// Go's %q for the texts Apptainer quotes in its messages ("k v" is not a key=value pair).
std::string go_quote(std::string_view text);

// hpc::Error(ExitCode::data, "<name>:<line>: <message>"), or "<name>: <message>" for line 0.
[[noreturn]] void fail(const std::string& name, int line, const std::string& message);
std::string located(const std::string& name, int line, const std::string& message);

}  // namespace hpc::image::definition_text
