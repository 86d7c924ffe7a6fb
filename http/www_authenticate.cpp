#include "http/www_authenticate.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"

#include <string>

namespace hpc::http {
namespace {

// RFC 9110 5.6.2: tchar.
bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 7235 2.1: token68, its characters before the '=' padding.
bool is_token68_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~+/").find(c) != std::string_view::npos;
}

// A walk through the header's text; every refusal names the header and the byte where it stopped.
class Cursor {
public:
    explicit Cursor(std::string_view text) : text_(text) {}

    bool at_end() const { return position_ == text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[position_]; }
    std::size_t position() const { return position_; }
    void move_to(std::size_t position) { position_ = position; }

    // OWS: spaces and tabs.
    bool skip_blanks() {
        std::size_t start = position_;
        while (peek() == ' ' || peek() == '\t') ++position_;
        return position_ > start;
    }
    // Between list elements: blanks and commas, empty elements allowed (RFC 9110 5.6.1).
    void skip_separators() {
        while (skip_blanks() || peek() == ',')
            if (peek() == ',') ++position_;
    }
    std::string_view token() {
        std::size_t start = position_;
        while (!at_end() && is_token_char(peek())) ++position_;
        return text_.substr(start, position_ - start);
    }
    // A token68 if one starts here and is all the challenge has (the end or a comma follows),
    // else nothing and the cursor unmoved.
    std::string_view token68() {
        std::size_t start = position_;
        while (!at_end() && is_token68_char(peek())) ++position_;
        if (position_ == start) return {};
        while (peek() == '=') ++position_;
        std::size_t end = position_;
        skip_blanks();
        if (at_end() || peek() == ',') return text_.substr(start, end - start);
        position_ = start;
        return {};
    }
    // Whether an auth-param (token BWS "=") starts here; the cursor is left unmoved.
    bool param_follows() {
        std::size_t start = position_;
        bool named = !token().empty();
        skip_blanks();
        bool follows = named && peek() == '=';
        position_ = start;
        return follows;
    }
    // RFC 9110 5.6.4: quoted-string, its quoted-pairs undone.
    std::string quoted_string() {
        std::string value;
        ++position_;  // the opening quote
        for (;;) {
            if (at_end()) fail("a quoted value without its closing quote");
            char c = text_[position_++];
            if (c == '"') return value;
            if (c == '\\') {
                if (at_end()) fail("a quoted value without its closing quote");
                c = text_[position_++];
            }
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                fail("a control character in a quoted value");
            value += c;
            if (value.size() > max_challenge_value)
                fail("a value longer than " + std::to_string(max_challenge_value) + " bytes");
        }
    }

    [[noreturn]] void fail(const std::string& cause) const {
        throw Error(ExitCode::data, "WWW-Authenticate header " + quoted_printable(text_) + ": " + cause + " (at byte " +
                                        std::to_string(position_) + ")");
    }

private:
    std::string_view text_;
    std::size_t position_ = 0;
};

// One auth-param: token BWS "=" BWS ( token / quoted-string ).
std::pair<std::string, std::string> parse_param(Cursor& cursor) {
    std::string name = ascii_lower_case(cursor.token());
    if (name.empty()) cursor.fail("expected a parameter's name");
    cursor.skip_blanks();
    if (cursor.peek() != '=') cursor.fail("expected '=' after parameter " + quoted_printable(name));
    cursor.move_to(cursor.position() + 1);
    cursor.skip_blanks();
    bool quoted = cursor.peek() == '"';
    std::string value = quoted ? cursor.quoted_string() : std::string(cursor.token());
    if (value.empty() && !quoted) {
        // An empty token: nothing, or a character neither a token nor a quote may start with.
        if (cursor.at_end() || cursor.peek() == ',')
            cursor.fail("parameter " + quoted_printable(name) + " has no value");
        cursor.fail("unexpected " + quoted_printable(std::string(1, cursor.peek())) + " in parameter " +
                    quoted_printable(name));
    }
    if (value.size() > max_challenge_value)
        cursor.fail("a value longer than " + std::to_string(max_challenge_value) + " bytes");
    return {std::move(name), std::move(value)};
}

// The auth-params of one challenge, up to the start of the next challenge or the end.
void parse_params(Cursor& cursor, Challenge& challenge) {
    for (;;) {
        std::pair<std::string, std::string> param = parse_param(cursor);
        if (challenge.param(param.first)) cursor.fail("parameter " + quoted_printable(param.first) + " given twice");
        if (challenge.params.size() == max_challenge_params)
            cursor.fail("more than " + std::to_string(max_challenge_params) + " parameters in one challenge");
        challenge.params.push_back(std::move(param));
        cursor.skip_blanks();
        if (cursor.at_end()) return;
        if (cursor.peek() != ',')
            cursor.fail("expected ',' after parameter " + quoted_printable(challenge.params.back().first));
        // After the commas, a parameter of this challenge or the scheme of the next one.
        std::size_t comma = cursor.position();
        cursor.skip_separators();
        if (cursor.at_end() || !cursor.param_follows()) {
            cursor.move_to(comma);
            return;
        }
    }
}

}  // namespace

const std::string* Challenge::param(std::string_view lower_case_name) const {
    for (const auto& [name, value] : params)
        if (name == lower_case_name) return &value;
    return nullptr;
}

std::vector<Challenge> parse_www_authenticate(std::string_view value) {
    Cursor cursor(value);
    std::vector<Challenge> challenges;
    for (;;) {
        cursor.skip_separators();
        if (cursor.at_end()) break;
        Challenge challenge;
        challenge.scheme = ascii_lower_case(cursor.token());
        if (challenge.scheme.empty()) cursor.fail("expected an authentication scheme");
        if (challenges.size() == max_challenges)
            cursor.fail("more than " + std::to_string(max_challenges) + " challenges");
        // The scheme alone, or one space at least and then its token68 or its parameters.
        if (!cursor.at_end() && cursor.peek() != ',') {
            if (!cursor.skip_blanks())
                cursor.fail("expected a space after scheme " + quoted_printable(challenge.scheme));
            if (cursor.at_end() || cursor.peek() == ',') {
                // A scheme followed by blanks alone.
            } else if (std::string_view token68 = cursor.token68(); !token68.empty()) {
                if (token68.size() > max_challenge_value)
                    cursor.fail("a value longer than " + std::to_string(max_challenge_value) + " bytes");
                challenge.token68 = token68;
            } else {
                parse_params(cursor, challenge);
            }
        }
        challenges.push_back(std::move(challenge));
    }
    if (challenges.empty()) cursor.fail("no challenge");
    return challenges;
}

}  // namespace hpc::http
