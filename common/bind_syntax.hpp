// The syntax of -B binds, Apptainer's "src[:dst[:opts]]" in a comma list: where the items and
// fields are, "\," and "\:" escaping the separators. One parser for every place that takes it:
// the command line's -B and $APPTAINER_BIND (sandbox/plan/bind_spec) and the site config's
// binds.default (site-config/). What a field may hold (a relative source, which options) is
// each caller's to judge, with its own messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpc {

// The blanks dropped around each item and field, as Apptainer drops them: spaces and tabs.
inline constexpr std::string_view bind_blanks = " \t";

// The items of a comma list, each as written (its escapes kept, for parse_bind, and for
// messages) without the blanks around it. An escaped comma separates nothing; blank items
// ("a,,b", a trailing comma) are dropped.
std::vector<std::string> split_bind_list(std::string_view list);

// One bind's fields, unescaped ("\:" a colon, "\," a comma; any other backslash is an ordinary
// character) and without the blanks around them.
struct BindFields {
    std::string source;
    std::optional<std::string> destination;  // when written, even empty ("src:")
    std::optional<std::string> options;      // the third field, when written
};

// One item of a list, split at its unescaped colons; nullopt when it has more than three fields.
std::optional<BindFields> parse_bind(std::string_view bind);

// `path` written as one field of a bind, its colons and commas escaped, so that parse_bind
// gives it back.
std::string escape_bind_field(std::string_view path);

// The access an option word asks for: "ro" true (read-only), "rw" false; nullopt for any other.
std::optional<bool> bind_read_only(std::string_view option);

}  // namespace hpc
