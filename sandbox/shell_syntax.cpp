#include "sandbox/shell_syntax.hpp"

namespace hpc::sandbox {
namespace {

constexpr size_t npos = std::string_view::npos;

size_t backquoted_end(std::string_view text, size_t pos) {
    for (size_t i = pos + 1; i < text.size(); ++i) {
        if (text[i] == '\\')
            ++i;
        else if (text[i] == '`')
            return i + 1;
    }
    return npos;
}

// The body of $(...) or ${...}: shell text in which quotes and substitutions nest, ended by
// the `close` that balances the opening one.
size_t nested_end(std::string_view text, size_t pos, char open, char close) {
    int depth = 1;
    size_t i = pos;
    while (i < text.size()) {
        char c = text[i];
        if (c == '\\') {
            i += 2;
        } else if (c == '\'') {
            size_t end = text.find('\'', i + 1);
            if (end == npos) return npos;
            i = end + 1;
        } else if (c == '"') {
            i = double_quoted_end(text, i);
        } else if (starts_substitution(text, i)) {
            i = substitution_end(text, i);
        } else {
            if (c == open) ++depth;
            if (c == close && --depth == 0) return i + 1;
            ++i;
        }
        if (i == npos) return npos;
    }
    return npos;
}

}  // namespace

bool is_shell_name_char(char c, bool first) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

bool is_shell_name(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i)
        if (!is_shell_name_char(name[i], i == 0)) return false;
    return true;
}

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
            size_t end = substitution_end(quoted, i);
            if (end == npos || end > quoted.size() - 1) {
                std::string opening = quoted[i] == '`' ? "`" : quoted.substr(i, 2);
                return "'" + opening + "' is never closed";
            }
            i = end;
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

size_t substitution_end(std::string_view text, size_t pos) {
    if (text[pos] == '`') return backquoted_end(text, pos);
    return text[pos + 1] == '(' ? nested_end(text, pos + 2, '(', ')') : nested_end(text, pos + 2, '{', '}');
}

size_t double_quoted_end(std::string_view text, size_t pos) {
    size_t i = pos + 1;
    while (i < text.size()) {
        if (text[i] == '\\') {
            i += 2;
        } else if (text[i] == '"') {
            return i + 1;
        } else if (starts_substitution(text, i)) {
            i = substitution_end(text, i);
            if (i == npos) return npos;
        } else {
            ++i;
        }
    }
    return npos;
}

}  // namespace hpc::sandbox
