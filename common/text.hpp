// Small text helpers every layer uses: trimming a set of characters from the ends of a text,
// splitting a text into lines (views in, views into the same text out: nothing is copied),
// variable names, and bytes and modes written as their digits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hpc {

// The ASCII whitespace of C's isspace and of Go's strings.TrimSpace (which Apptainer uses):
// blank, tab, newline, vertical tab, form feed, carriage return.
inline constexpr std::string_view ascii_whitespace = " \t\n\v\f\r";

bool is_ascii_space(char c);

// `text` without the characters of `set` at its start and end (trim), its start alone
// (trim_start) or its end alone (trim_end). A caller that trims less than all whitespace
// says which, since what it keeps is then part of the value.
std::string_view trim(std::string_view text, std::string_view set = ascii_whitespace);
std::string_view trim_start(std::string_view text, std::string_view set = ascii_whitespace);
std::string_view trim_end(std::string_view text, std::string_view set = ascii_whitespace);

// The lines of `text`, each without its '\n' (a '\r' before it is kept: CRLF is the caller's to
// handle). A last line without '\n' counts; an empty text has no lines, and a text ending in
// '\n' no empty line after it. The views point into `text`.
std::vector<std::string_view> split_lines(std::string_view text);

// [A-Za-z_][A-Za-z0-9_]*: what a shell accepts as a variable name, and so what hpc accepts as
// an environment variable's name wherever one is given (--env, env files, CDI specs).
bool is_shell_name(std::string_view name);
bool is_shell_name_char(char c, bool first);

// `text` with ASCII's capitals in lower case and every other byte as it was, whatever the locale:
// for names that protocols compare without case (HTTP's header fields, authentication schemes).
std::string ascii_lower_case(std::string_view text);

// `size` bytes as lower-case hexadecimal, two digits each (a digest's, a random name's).
std::string lower_hex(const unsigned char* bytes, std::size_t size);

// A file's permission bits as chmod(1) writes them: "0755", "1777".
std::string octal_mode(unsigned mode);

}  // namespace hpc
