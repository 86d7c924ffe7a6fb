#include "common/text.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using hpc::ascii_lower_case;
using hpc::split_lines;
using hpc::trim;
using hpc::trim_end;
using hpc::trim_start;

using Lines = std::vector<std::string_view>;

TEST_CASE("trim: all ASCII whitespace by default, from both ends only", "[text]") {
    CHECK(trim(" \t\n\v\f\r a b \r\f\v\n\t ") == "a b");
    CHECK(trim("a \t b") == "a \t b");
    CHECK(trim("") == "");
    CHECK(trim(" \t\n") == "");
    CHECK(trim_start("  a  ") == "a  ");
    CHECK(trim_end("  a  ") == "  a");
    CHECK(hpc::is_ascii_space('\v'));
    CHECK(!hpc::is_ascii_space('a'));
    CHECK(!hpc::is_ascii_space('\0'));
}

TEST_CASE("trim: a given set trims that set and keeps everything else", "[text]") {
    CHECK(trim(" \t/a b\n \t", " \t") == "/a b\n");
    CHECK(trim("\n\nkeep \n\n", "\n") == "keep ");
    CHECK(trim_end("text\n\n", "\n") == "text");
    CHECK(trim_end("\n\n", "\n") == "");
    CHECK(trim_start("\r\tx\r", " \t\r") == "x\r");
}

TEST_CASE("trim: the result is a view into the text, even when empty", "[text]") {
    std::string text = "  word  ";
    std::string_view trimmed = trim(text);
    CHECK(trimmed.data() == text.data() + 2);
    std::string blanks = "   ";
    CHECK(trim_start(blanks).data() == blanks.data() + blanks.size());
    CHECK(trim_end(blanks).data() == blanks.data());
}

TEST_CASE("split_lines: lines without their newline, a last line without one counts", "[text]") {
    CHECK(split_lines("a\nb\n") == Lines{"a", "b"});
    CHECK(split_lines("a\nb") == Lines{"a", "b"});
    CHECK(split_lines("a\n\nb\n\n") == Lines{"a", "", "b", ""});
    CHECK(split_lines("\n") == Lines{""});
    CHECK(split_lines("").empty());
}

TEST_CASE("split_lines: a carriage return stays in its line", "[text]") {
    CHECK(split_lines("a\r\nb\r\n") == Lines{"a\r", "b\r"});
    CHECK(split_lines("\r") == Lines{"\r"});
}

TEST_CASE("split_lines: the lines are views into the text", "[text]") {
    std::string text = "one\ntwo";
    Lines lines = split_lines(text);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].data() == text.data() + 4);
}

TEST_CASE("ascii_lower_case: ASCII's capitals alone, whatever the locale", "[text]") {
    CHECK(ascii_lower_case("Content-Type: X") == "content-type: x");
    CHECK(ascii_lower_case("AZaz09@[`{") == "azaz09@[`{");
    CHECK(ascii_lower_case("\xc3\x89T\xc3\x89") == "\xc3\x89t\xc3\x89");  // UTF-8's É kept as it is
    CHECK(ascii_lower_case("").empty());
}

TEST_CASE("lower_hex and octal_mode: bytes and modes as their digits", "[text]") {
    const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    CHECK(hpc::lower_hex(bytes, sizeof bytes) == "000fa5ff");
    CHECK(hpc::lower_hex(bytes, 0).empty());
    CHECK(hpc::octal_mode(0755) == "0755");
    CHECK(hpc::octal_mode(040000 | 01777) == "1777");  // the file type's bits are not a mode's
}
