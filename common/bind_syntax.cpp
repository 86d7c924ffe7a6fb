#include "common/bind_syntax.hpp"

#include "common/text.hpp"

namespace hpc {
namespace {

bool is_separator(char c) { return c == ',' || c == ':'; }

// Calls on_char(c, escaped) for each character of `text`, "\," and "\:" each being one escaped
// character. Both passes (items, then fields) read escapes through here, so they agree.
template <typename OnChar>
void for_each_char(std::string_view text, OnChar on_char) {
    for (size_t i = 0; i < text.size(); ++i) {
        bool escaped = text[i] == '\\' && i + 1 < text.size() && is_separator(text[i + 1]);
        if (escaped) ++i;
        on_char(text[i], escaped);
    }
}

}  // namespace

std::vector<std::string> split_bind_list(std::string_view list) {
    std::vector<std::string> items;
    std::string item;
    auto finish_item = [&] {
        std::string_view written = trim(item, bind_blanks);
        if (!written.empty()) items.emplace_back(written);
        item.clear();
    };
    for_each_char(list, [&](char c, bool escaped) {
        if (c == ',' && !escaped) return finish_item();
        if (escaped) item += '\\';
        item += c;
    });
    finish_item();
    return items;
}

std::optional<BindFields> parse_bind(std::string_view bind) {
    std::vector<std::string> fields{""};
    for_each_char(bind, [&](char c, bool escaped) {
        if (c == ':' && !escaped)
            fields.emplace_back();
        else
            fields.back() += c;
    });
    if (fields.size() > 3) return std::nullopt;
    for (std::string& field : fields) field = std::string(trim(field, bind_blanks));
    BindFields parsed{fields[0], std::nullopt, std::nullopt};
    if (fields.size() > 1) parsed.destination = fields[1];
    if (fields.size() > 2) parsed.options = fields[2];
    return parsed;
}

std::string escape_bind_field(std::string_view path) {
    std::string escaped;
    for (char c : path) {
        if (is_separator(c)) escaped += '\\';
        escaped += c;
    }
    return escaped;
}

std::optional<bool> bind_read_only(std::string_view option) {
    if (option == "ro") return true;
    if (option == "rw") return false;
    return std::nullopt;
}

}  // namespace hpc
