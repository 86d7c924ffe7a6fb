#include "common/error.hpp"
#include "common/text.hpp"
#include "sandbox/environment/env_file.hpp"
#include "sandbox/environment/shell_syntax.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::sandbox::EnvFile;
using hpc::sandbox::EnvFileAssignment;
using hpc::sandbox::parse_env_file;

namespace {

std::vector<EnvFileAssignment> parse(std::string content) { return parse_env_file(EnvFile{"env.file", std::move(content)}); }

std::string value_of(std::string content) {
    std::vector<EnvFileAssignment> assignments = parse(std::move(content));
    REQUIRE(assignments.size() == 1);
    return assignments.front().value;
}

std::string error_of(std::string content) {
    return hpc::test::error_message([&] { parse(std::move(content)); });
}

}  // namespace

TEST_CASE("env file: assignments with and without export, in order, with their lines") {
    CHECK(parse("A=1\nexport B=two\n\nC=\n") ==
          std::vector<EnvFileAssignment>{{"A", "1", 1}, {"B", "two", 2}, {"C", "", 4}});
}

TEST_CASE("env file: no trailing newline, several assignments a line, semicolons") {
    CHECK(parse("A=1 B=2; export C=3 D=4;E=5") ==
          std::vector<EnvFileAssignment>{{"A", "1", 1}, {"B", "2", 1}, {"C", "3", 1}, {"D", "4", 1}, {"E", "5", 1}});
}

TEST_CASE("env file: comments and blank lines are skipped, # inside a word is a character") {
    CHECK(parse("# comment\n   \n\t# indented\nA=x#y # trailing comment\nB='#'\n") ==
          std::vector<EnvFileAssignment>{{"A", "x#y", 4}, {"B", "#", 5}});
}

TEST_CASE("env file: single quotes keep everything literally, newlines included") {
    CHECK(value_of("A='a \"b\" \\ $c `d`'") == "a \"b\" \\ $c `d`");
    CHECK(parse("A='one\ntwo'\nB=3") == std::vector<EnvFileAssignment>{{"A", "one\ntwo", 1}, {"B", "3", 3}});
}

TEST_CASE("env file: double quotes remove backslashes only before dollar, backquote, double quote, backslash and newline") {
    CHECK(value_of(R"(A="a \"b\" \\ \$c \`d\` \n")") == R"(a "b" \ $c `d` \n)");
    CHECK(value_of("A=\"one\\\ntwo\"") == "onetwo");
    CHECK(value_of("A=\"line1\nline2\"") == "line1\nline2");
}

TEST_CASE("env file: unquoted backslashes escape the next character, backslash-newline continues") {
    CHECK(value_of(R"(A=a\ b\$c\\d\"e)") == R"(a b$c\d"e)");
    CHECK(parse("A=one\\\ntwo B=3") == std::vector<EnvFileAssignment>{{"A", "onetwo", 1}, {"B", "3", 2}});
    CHECK(parse("export \\\n  A=1") == std::vector<EnvFileAssignment>{{"A", "1", 2}});
    CHECK(value_of("A=x\\") == "x\\");
}

TEST_CASE("env file: quotes join within a word") {
    CHECK(value_of(R"(A=a'b c'"d e"f)") == "ab cd ef");
    CHECK(value_of("A=''") == "");
    CHECK(value_of("A=\"\"") == "");
}

// Apptainer evaluates the file on the host; hpc leaves $ for the container's shell, so the
// value after quote removal is what Apptainer would inject.
TEST_CASE("env file: $VAR, ${...}, $(...) and backquotes stay as written") {
    CHECK(value_of(R"(PATH="\$PATH:/")") == "$PATH:/");  // e2e AppendLiteralDefaultPath
    CHECK(value_of(R"(PATH="/:\$PATH")") == "/:$PATH");  // e2e PrependLiteralDefaultPath
    CHECK(value_of("PATH=$PATH:/opt/bin") == "$PATH:/opt/bin");
    CHECK(value_of("A=${HOME:-/x y}/z") == "${HOME:-/x y}/z");
    CHECK(value_of("A=$(echo a b)") == "$(echo a b)");
    CHECK(value_of(R"x(A="$(echo "a b" ')')")x") == R"x($(echo "a b" ')'))x");
    CHECK(value_of("A=`id -u`") == "`id -u`");
    CHECK(value_of("A=$((1 + (2 * 3)))") == "$((1 + (2 * 3)))");
    CHECK(value_of("A=$") == "$");
    CHECK(value_of("A='$(not a substitution'") == "$(not a substitution");
}

TEST_CASE("env file: `export NAME` is accepted and adds nothing") {
    CHECK(parse("A=1\nexport A\nexport B C=3") == std::vector<EnvFileAssignment>{{"A", "1", 1}, {"C", "3", 3}});
}

TEST_CASE("env file: names must be shell names, a quoted name is not an assignment") {
    CHECK(parse("_a1=x") == std::vector<EnvFileAssignment>{{"_a1", "x", 1}});
    CHECK(error_of("1A=x") ==
          "env.file:1: '1A=x' is not an assignment: an environment file holds only NAME=value lines, and hpc runs "
          "no command from it");
    CHECK(error_of("\"A\"=x").starts_with("env.file:1: 'A=x' is not an assignment"));
    CHECK(error_of("A-B=x").starts_with("env.file:1: 'A-B=x' is not an assignment"));
}

TEST_CASE("env file: commands are refused, never run") {
    CHECK(error_of("A=1\necho hello").starts_with("env.file:2: 'echo' is not an assignment"));
    CHECK(error_of("A=1 cmd").starts_with("env.file:1: 'cmd' is not an assignment"));
    CHECK(error_of("set -a").starts_with("env.file:1: 'set' is not an assignment"));
    CHECK(error_of("export -n A") == "env.file:1: export -n: options of export are not supported");
    CHECK(error_of("A=1 | cat") == "env.file:1: '|' is shell syntax that an environment file cannot use");
    CHECK(error_of("A=1 && B=2") == "env.file:1: '&' is shell syntax that an environment file cannot use");
    CHECK(error_of("A=1 > /tmp/x") == "env.file:1: '>' is shell syntax that an environment file cannot use");
    CHECK(error_of("\n\nA=(1 2)") == "env.file:3: '(' is shell syntax that an environment file cannot use");
}

TEST_CASE("env file: unterminated quotes and substitutions name the line they open on") {
    CHECK(error_of("A=1\nB='abc\n\n") == "env.file:2: a single quote is never closed");
    CHECK(error_of("A=\"abc\n\nC=1") == "env.file:1: a double quote is never closed");
    CHECK(error_of("\nA=$(echo") == "env.file:2: '$(' is never closed");
    CHECK(error_of("A=${X") == "env.file:1: '${' is never closed");
    CHECK(error_of("A=\"`id\"") == "env.file:1: '`' is never closed");
    CHECK(error_of(std::string("A=1\nB=a\0b", 9)) == "env.file:2: a NUL byte");
}

TEST_CASE("env file: line numbers count newlines inside quotes and substitutions") {
    CHECK(parse("A='x\ny'\nB=\"$(echo\n1)\"\nC=3") ==
          std::vector<EnvFileAssignment>{{"A", "x\ny", 1}, {"B", "$(echo\n1)", 3}, {"C", "3", 5}});
}

TEST_CASE("shell syntax: names, single quotes and the evaluated form of values") {
    using namespace hpc::sandbox;
    CHECK(hpc::is_shell_name("PATH"));
    CHECK(hpc::is_shell_name("_x9"));
    CHECK_FALSE(hpc::is_shell_name(""));
    CHECK_FALSE(hpc::is_shell_name("9x"));
    CHECK_FALSE(hpc::is_shell_name("BASH_FUNC_ml%%"));
    CHECK_FALSE(hpc::is_shell_name("A-B"));
    CHECK(single_quoted("it's") == R"('it'\''s')");
    CHECK(double_quote_body(R"(say "hi" $x)") == R"(say \"hi\" $x)");
    CHECK(double_quote_body(R"(\$UID)") == R"(\$UID)");
    CHECK(double_quote_body(R"(a\"b)") == R"(a\"b)");
    CHECK(double_quote_body(R"(end\)") == R"(end\\)");
    CHECK(double_quote_body(R"(end\\)") == R"(end\\)");
    CHECK_FALSE(evaluation_problem("$(id -u) ${HOME} `date` $((1+2)) 'x' \"y\""));
    CHECK(evaluation_problem("$(id -u") == "'$(' is never closed");
    CHECK(evaluation_problem("${HOME") == "'${' is never closed");
    CHECK(evaluation_problem("`date") == "'`' is never closed");
    CHECK(evaluation_problem("$(echo 'a)") == "'$(' is never closed");
    CHECK_FALSE(evaluation_problem("\\"));
    CHECK_FALSE(evaluation_problem("\\$(x"));
}

namespace {

// `open` `depth` times, then `close` as often: substitutions nested `depth` deep.
std::string nested(const std::string& open, const std::string& close, size_t depth) {
    std::string text;
    for (size_t i = 0; i < depth; ++i) text += open;
    for (size_t i = 0; i < depth; ++i) text += close;
    return text;
}

}  // namespace

// Measuring a substitution recurses once a level: 200,000 levels overflowed the stack.
TEST_CASE("env file: substitutions nested 200,000 deep are refused, not a crash") {
    CHECK(error_of("A=" + nested("$(", "", 200000)) == "env.file:1: '$(' holds quotes and substitutions nested more than 64 deep");
    CHECK(error_of("\nA=" + nested("${", "}", 200000)) ==
          "env.file:2: '${' holds quotes and substitutions nested more than 64 deep");
    CHECK(error_of("A=" + nested("$(\"", "\")", 100000)) ==
          "env.file:1: '$(' holds quotes and substitutions nested more than 64 deep");
    CHECK(error_of("A=\"" + nested("$(", ")", 200000) + "\"") ==
          "env.file:1: '$(' holds quotes and substitutions nested more than 64 deep");
}

TEST_CASE("env file: substitutions nest up to 64 deep") {
    CHECK(value_of("A=" + nested("$(", ")", 64)) == nested("$(", ")", 64));
    CHECK(value_of("A=" + nested("${", "}", 64)) == nested("${", "}", 64));
    // A double quote inside a substitution is a level of its own.
    CHECK(value_of("A=" + nested("$(\"", "\")", 32)) == nested("$(\"", "\")", 32));
    CHECK(error_of("A=" + nested("$(", ")", 65)) ==
          "env.file:1: '$(' holds quotes and substitutions nested more than 64 deep");
    CHECK(error_of("A=" + nested("$(\"", "\")", 32) + " B=" + nested("$(\"", "\")", 33)) ==
          "env.file:1: '$(' holds quotes and substitutions nested more than 64 deep");
}

TEST_CASE("env file: at most 1 MiB is parsed") {
    std::string largest = "A=1\n" + std::string(hpc::sandbox::max_env_file_bytes - 4, '#');
    CHECK(parse(largest) == std::vector<EnvFileAssignment>{{"A", "1", 1}});
    CHECK(error_of(largest + "#") == "env.file: larger than 1048576 bytes");
}

TEST_CASE("shell syntax: values nested too deep to evaluate are named, not a crash") {
    using namespace hpc::sandbox;
    CHECK_FALSE(evaluation_problem(nested("$(", ")", 64)));
    CHECK(evaluation_problem(nested("$(", ")", 65)) == "'$(' holds quotes and substitutions nested more than 64 deep");
    CHECK(evaluation_problem(nested("$(", ")", 200000)) ==
          "'$(' holds quotes and substitutions nested more than 64 deep");
    CHECK(evaluation_problem("x " + nested("${", "}", 200000)) ==
          "'${' holds quotes and substitutions nested more than 64 deep");
}
