// The little of POSIX sh syntax that hpc writes or reads without ever running a shell on the
// host: quoting, and finding where a $(...), ${...} or `...` ends.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hpc::sandbox {

// 'text' for the shell, with ' written as '\''.
std::string single_quoted(std::string_view text);

// The text to put between double quotes so that the shell evaluates `value` as Apptainer
// does (EscapeDoubleQuotes: a bare " is escaped, so $, ` and \ keep their meaning). A quote
// that the value escapes itself (\") and a last lone backslash are written so that they
// cannot close the string early, where Apptainer's output would not parse.
std::string double_quote_body(std::string_view value);

// Why "double_quote_body(value)" would not parse (an unterminated or too deeply nested $(, ${
// or `), or nullopt.
std::optional<std::string> evaluation_problem(std::string_view value);

// How deep $(...), ${...}, `...` and "..." may nest in one another, the outermost counted as 1.
// sh sets no limit, but hpc measures them by recursion, a few stack frames a level, and a value
// of 200,000 "$(" overflowed the launcher's stack; a real value nests two or three deep.
constexpr size_t max_nesting = 64;

// Where a substitution ends, or why it cannot be measured.
struct Extent {
    enum class Problem { none, never_closed, nested_too_deep };
    size_t end = 0;  // just past the close, when problem is none
    Problem problem = Problem::none;
};

// Given text[pos] at the '$' of "$(" or "${" or at a '`', where the matching close is,
// honouring quotes and nesting inside.
Extent substitution_extent(std::string_view text, size_t pos);

// Why substitution_extent(text, pos) found no end, naming the construct: "'$(' is never closed".
std::string substitution_problem(std::string_view text, size_t pos, Extent::Problem problem);

// Whether text[pos] starts a substitution that substitution_extent() can measure.
bool starts_substitution(std::string_view text, size_t pos);

}  // namespace hpc::sandbox
