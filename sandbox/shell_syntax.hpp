// The little of POSIX sh syntax that hpc writes or reads without ever running a shell on the
// host: names, quoting, and finding where a $(...), ${...} or `...` ends.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hpc::sandbox {

// [A-Za-z_][A-Za-z0-9_]*: what a shell accepts as a variable name.
bool is_shell_name(std::string_view name);
bool is_shell_name_char(char c, bool first);

// 'text' for the shell, with ' written as '\''.
std::string single_quoted(std::string_view text);

// The text to put between double quotes so that the shell evaluates `value` as Apptainer
// does (EscapeDoubleQuotes: a bare " is escaped, so $, ` and \ keep their meaning). A quote
// that the value escapes itself (\") and a last lone backslash are written so that they
// cannot close the string early, where Apptainer's output would not parse.
std::string double_quote_body(std::string_view value);

// Why "double_quote_body(value)" would not parse (an unterminated $(, ${ or `), or nullopt.
std::optional<std::string> evaluation_problem(std::string_view value);

// Given text[pos] at the '$' of "$(" or "${" or at a '`', the index just past the matching
// close, honouring quotes and nesting inside; npos when it is never closed.
size_t substitution_end(std::string_view text, size_t pos);

// Given text[pos] at an opening '"', the index just past the closing one; npos if none.
size_t double_quoted_end(std::string_view text, size_t pos);

// Whether text[pos] starts a substitution that substitution_end() can measure.
bool starts_substitution(std::string_view text, size_t pos);

}  // namespace hpc::sandbox
