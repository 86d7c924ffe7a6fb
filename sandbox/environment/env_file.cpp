#include "sandbox/environment/env_file.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "sandbox/environment/shell_syntax.hpp"

#include <algorithm>
#include <optional>

namespace hpc::sandbox {
namespace {

// One word of a command after quote removal.
struct Word {
    std::optional<std::string> name;  // set for NAME=value
    std::string text;                 // the value, or the whole word
    bool quoted = false;              // quotes or backslashes were removed from it
    size_t line = 0;
};

class EnvFileParser {
public:
    explicit EnvFileParser(const EnvFile& file) : file_(file), text_(file.content) {}

    std::vector<EnvFileAssignment> parse() {
        if (text_.size() > max_env_file_bytes)
            throw Error(ExitCode::usage, file_.name + ": larger than " + std::to_string(max_env_file_bytes) + " bytes");
        size_t nul = text_.find('\0');
        if (nul != std::string_view::npos) fail(line_at(nul), "a NUL byte");
        for (;;) {
            skip_blanks();
            if (at_end()) break;
            char c = text_[pos_];
            if (c == '\n') {
                ++pos_;
                ++line_;
            } else if (c == ';') {
                ++pos_;
            } else if (c == '#') {
                skip_comment();
            } else {
                command();
            }
        }
        return std::move(assignments_);
    }

private:
    bool at_end() const { return pos_ >= text_.size(); }

    // Blanks and line continuations between words.
    void skip_blanks() {
        while (!at_end()) {
            if (text_[pos_] == ' ' || text_[pos_] == '\t') {
                ++pos_;
            } else if (text_.substr(pos_, 2) == "\\\n") {
                pos_ += 2;
                ++line_;
            } else {
                break;
            }
        }
    }

    void skip_comment() {
        size_t newline = text_.find('\n', pos_);
        pos_ = newline == std::string_view::npos ? text_.size() : newline;
    }

    void command() {
        std::vector<Word> words;
        for (;;) {
            skip_blanks();
            if (at_end() || text_[pos_] == '\n' || text_[pos_] == ';') break;
            if (text_[pos_] == '#') {  // a comment starts only where a word would
                skip_comment();
                break;
            }
            words.push_back(word());
        }
        bool exported = !words.front().name && !words.front().quoted && words.front().text == "export";
        for (size_t i = exported ? 1 : 0; i < words.size(); ++i) {
            const Word& word = words[i];
            if (word.name) {
                assignments_.push_back({*word.name, word.text, word.line});
            } else if (exported && !word.quoted && is_shell_name(word.text)) {
                // `export NAME` after NAME=value: every assignment here is exported anyway.
            } else if (exported && word.text.starts_with("-")) {
                fail(word.line, "export " + word.text + ": options of export are not supported");
            } else {
                fail(word.line, "'" + word.text +
                                    "' is not an assignment: an environment file holds only NAME=value lines, "
                                    "and hpc runs no command from it");
            }
        }
    }

    Word word() {
        Word word;
        word.line = line_;
        size_t name_end = pos_;
        while (name_end < text_.size() && is_shell_name_char(text_[name_end], name_end == pos_)) ++name_end;
        if (name_end > pos_ && name_end < text_.size() && text_[name_end] == '=') {
            word.name = std::string(text_.substr(pos_, name_end - pos_));
            pos_ = name_end + 1;
        }
        while (!at_end()) {
            char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == '\n' || c == ';') break;
            if (std::string_view("|&<>()").find(c) != std::string_view::npos)
                fail(line_, std::string("'") + c + "' is shell syntax that an environment file cannot use");
            if (c == '\\') {
                word.quoted = true;
                unquoted_backslash(word.text);
            } else if (c == '\'') {
                word.quoted = true;
                single_quoted_part(word.text);
            } else if (c == '"') {
                word.quoted = true;
                double_quoted_part(word.text);
            } else if (starts_substitution(text_, pos_)) {
                substitution(word.text);
            } else {
                word.text += c;
                ++pos_;
            }
        }
        return word;
    }

    void unquoted_backslash(std::string& out) {
        if (pos_ + 1 >= text_.size()) {
            out += '\\';  // a backslash that ends the file stands for itself
            ++pos_;
        } else if (text_[pos_ + 1] == '\n') {
            pos_ += 2;  // a line continuation inside a word
            ++line_;
        } else {
            out += text_[pos_ + 1];
            pos_ += 2;
        }
    }

    void single_quoted_part(std::string& out) {
        size_t close = text_.find('\'', pos_ + 1);
        if (close == std::string_view::npos) fail(line_, "a single quote is never closed");
        take(out, pos_ + 1, close);
        pos_ = close + 1;
    }

    void double_quoted_part(std::string& out) {
        size_t opening_line = line_;
        ++pos_;
        for (;;) {
            if (at_end()) fail(opening_line, "a double quote is never closed");
            char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return;
            }
            if (c == '\\' && pos_ + 1 < text_.size()) {
                char next = text_[pos_ + 1];
                if (next == '\n') {
                    pos_ += 2;
                    ++line_;
                } else if (next == '$' || next == '`' || next == '"' || next == '\\') {
                    out += next;
                    pos_ += 2;
                } else {
                    out += '\\';  // before any other character a backslash is itself
                    ++pos_;
                }
            } else if (starts_substitution(text_, pos_)) {
                substitution(out);
            } else {
                if (c == '\n') ++line_;
                out += c;
                ++pos_;
            }
        }
    }

    // $(...), ${...} and `...` are kept as written, for the container's shell.
    void substitution(std::string& out) {
        Extent extent = substitution_extent(text_, pos_);
        if (extent.problem != Extent::Problem::none) fail(line_, substitution_problem(text_, pos_, extent.problem));
        take(out, pos_, extent.end);
        pos_ = extent.end;
    }

    // Appends text_[from, to) and counts its lines.
    void take(std::string& out, size_t from, size_t to) {
        std::string_view part = text_.substr(from, to - from);
        line_ += static_cast<size_t>(std::count(part.begin(), part.end(), '\n'));
        out += part;
    }

    size_t line_at(size_t offset) const {
        return 1 + static_cast<size_t>(std::count(text_.begin(), text_.begin() + static_cast<long>(offset), '\n'));
    }

    [[noreturn]] void fail(size_t line, const std::string& cause) const {
        throw Error(ExitCode::usage, file_.name + ":" + std::to_string(line) + ": " + cause);
    }

    const EnvFile& file_;
    std::string_view text_;
    size_t pos_ = 0;
    size_t line_ = 1;
    std::vector<EnvFileAssignment> assignments_;
};

}  // namespace

std::vector<EnvFileAssignment> parse_env_file(const EnvFile& file) { return EnvFileParser(file).parse(); }

}  // namespace hpc::sandbox
