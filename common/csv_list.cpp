#include "common/csv_list.hpp"

#include "common/error.hpp"

#include <algorithm>

namespace hpc {
namespace {

class CsvScanner {
public:
    CsvScanner(std::string_view text, bool newline_ends_record)
        : text_(text), newline_ends_record_(newline_ends_record) {}

    std::vector<CsvRecord> records() {
        std::vector<CsvRecord> records;
        for (;;) {
            while (newline_ends_record_ && at_newline()) skip_newline();  // blank lines
            if (pos_ >= text_.size()) return records;
            records.push_back(record());
        }
    }

private:
    CsvRecord record() {
        CsvRecord fields;
        for (;;) {
            fields.push_back(pos_ < text_.size() && text_[pos_] == '"' ? quoted_field() : plain_field());
            if (pos_ >= text_.size()) return fields;
            if (text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            skip_newline();  // the fields stop only at a comma, a newline or the end
            return fields;
        }
    }

    std::string plain_field() {
        std::string field;
        while (pos_ < text_.size() && text_[pos_] != ',' && !at_newline()) {
            if (text_[pos_] == '"') fail(pos_, "a double quote inside a field that does not start with one");
            field += text_[pos_++];
        }
        return field;
    }

    std::string quoted_field() {
        size_t opening = pos_++;
        std::string field;
        for (;;) {
            if (pos_ >= text_.size()) fail(opening, "a quoted field has no closing double quote");
            char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    field += '"';
                    pos_ += 2;
                    continue;
                }
                ++pos_;
                break;
            }
            if (newline_ends_record_ && c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
                field += '\n';  // as Go: a quoted line break is "\n" whatever the file's line ends
                pos_ += 2;
                continue;
            }
            field += c;
            ++pos_;
        }
        if (pos_ < text_.size() && text_[pos_] != ',' && !at_newline())
            fail(pos_, "text after the closing double quote of a field (a quote inside a quoted field is written \"\")");
        return field;
    }

    bool at_newline() const {
        if (!newline_ends_record_ || pos_ >= text_.size()) return false;
        return text_[pos_] == '\n' || (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
    }

    void skip_newline() { pos_ += text_[pos_] == '\r' ? 2 : 1; }

    [[noreturn]] void fail(size_t where, const std::string& cause) const {
        std::string_view before = text_.substr(0, where);
        size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
        size_t line_start = before.rfind('\n');
        size_t column = line_start == std::string_view::npos ? where + 1 : where - line_start;
        std::string position = "column " + std::to_string(column);
        if (line > 1) position = "line " + std::to_string(line) + ", " + position;
        throw Error(ExitCode::usage, cause + " (" + position + ")");
    }

    std::string_view text_;
    bool newline_ends_record_;
    size_t pos_ = 0;
};

}  // namespace

std::vector<CsvRecord> parse_csv_records(std::string_view text) { return CsvScanner(text, true).records(); }

CsvRecord parse_csv_fields(std::string_view text) {
    std::vector<CsvRecord> records = CsvScanner(text, false).records();
    return records.empty() ? CsvRecord{} : std::move(records.front());
}

}  // namespace hpc
