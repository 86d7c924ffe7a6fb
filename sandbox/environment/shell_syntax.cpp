#include "sandbox/environment/shell_syntax.hpp"

namespace hpc::sandbox {
namespace {

constexpr size_t npos = std::string_view::npos;

using Problem = Extent::Problem;
constexpr Extent never_closed{0, Problem::never_closed};
constexpr Extent nested_too_deep{0, Problem::nested_too_deep};

Extent measure_substitution(std::string_view text, size_t pos, size_t level);

Extent backquoted_extent(std::string_view text, size_t pos) {
    for (size_t i = pos + 1; i < text.size(); ++i) {
        if (text[i] == '\\')
            ++i;
        else if (text[i] == '`')
            return {i + 1};
    }
    return never_closed;
}

// Given text[pos] at an opening '"' that `level` constructs enclose (itself included), where
// the closing one is.
Extent measure_double_quoted(std::string_view text, size_t pos, size_t level) {
    if (level > max_nesting) return nested_too_deep;
    size_t i = pos + 1;
    while (i < text.size()) {
        if (text[i] == '\\') {
            i += 2;
        } else if (text[i] == '"') {
            return {i + 1};
        } else if (starts_substitution(text, i)) {
            Extent inner = measure_substitution(text, i, level + 1);
            if (inner.problem != Problem::none) return inner;
            i = inner.end;
        } else {
            ++i;
        }
    }
    return never_closed;
}

// The body of $(...) or ${...}: shell text in which quotes and substitutions nest, ended by
// the `close` that balances the opening one. Bare parentheses or braces in it are counted,
// not recursed into, so only quotes and substitutions count towards max_nesting.
Extent nested_extent(std::string_view text, size_t pos, char open, char close, size_t level) {
    size_t depth = 1;
    size_t i = pos;
    while (i < text.size()) {
        char c = text[i];
        if (c == '\\') {
            i += 2;
        } else if (c == '\'') {
            size_t end = text.find('\'', i + 1);
            if (end == npos) return never_closed;
            i = end + 1;
        } else if (c == '"' || starts_substitution(text, i)) {
            Extent inner = c == '"' ? measure_double_quoted(text, i, level + 1) : measure_substitution(text, i, level + 1);
            if (inner.problem != Problem::none) return inner;
            i = inner.end;
        } else {
            if (c == open) ++depth;
            if (c == close && --depth == 0) return {i + 1};
            ++i;
        }
    }
    return never_closed;
}

// Given text[pos] at a substitution that `level` constructs enclose (itself included).
Extent measure_substitution(std::string_view text, size_t pos, size_t level) {
    if (level > max_nesting) return nested_too_deep;
    if (text[pos] == '`') return backquoted_extent(text, pos);
    return text[pos + 1] == '(' ? nested_extent(text, pos + 2, '(', ')', level)
                                : nested_extent(text, pos + 2, '{', '}', level);
}

}  // namespace

std::string single_quoted(std::string_view text) {
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    quoted += '\'';
    return quoted;
}

std::string double_quote_body(std::string_view value) {
    std::string body;
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\\' && i + 1 < value.size()) {
            // An escape pair keeps its meaning, "\"" included: escaping that quote again would
            // turn the pair into an escaped backslash followed by a closing quote.
            body += c;
            body += value[++i];
        } else if (c == '\\' || c == '"') {
            body += '\\';  // a bare quote, or a last backslash that would escape the closing quote
            body += c;
        } else {
            body += c;
        }
    }
    return body;
}

std::optional<std::string> evaluation_problem(std::string_view value) {
    std::string quoted = "\"" + double_quote_body(value) + "\"";
    // Walk the body as the shell will, to name the construct that is left open.
    for (size_t i = 1; i + 1 < quoted.size();) {
        if (quoted[i] == '\\') {
            i += 2;
        } else if (starts_substitution(quoted, i)) {
            Extent extent = substitution_extent(quoted, i);
            // An end past the body's last character is one that took the closing quote.
            if (extent.problem == Problem::none && extent.end > quoted.size() - 1) extent = never_closed;
            if (extent.problem != Problem::none) return substitution_problem(quoted, i, extent.problem);
            i = extent.end;
        } else {
            ++i;
        }
    }
    return std::nullopt;
}

bool starts_substitution(std::string_view text, size_t pos) {
    if (pos >= text.size()) return false;
    if (text[pos] == '`') return true;
    return text[pos] == '$' && pos + 1 < text.size() && (text[pos + 1] == '(' || text[pos + 1] == '{');
}

Extent substitution_extent(std::string_view text, size_t pos) { return measure_substitution(text, pos, 1); }

std::string substitution_problem(std::string_view text, size_t pos, Extent::Problem problem) {
    std::string opening = text[pos] == '`' ? "`" : std::string(text.substr(pos, 2));
    if (problem == Problem::nested_too_deep)
        return "'" + opening + "' holds quotes and substitutions nested more than " + std::to_string(max_nesting) +
               " deep";
    return "'" + opening + "' is never closed";
}

}  // namespace hpc::sandbox
