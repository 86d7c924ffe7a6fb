#include "common/bind_syntax.hpp"

#include <catch2/catch.hpp>

using hpc::BindFields;
using hpc::bind_read_only;
using hpc::escape_bind_field;
using hpc::parse_bind;
using hpc::split_bind_list;

using Strings = std::vector<std::string>;
using std::nullopt;

namespace {

// The fields as one comparable tuple: source, destination, options.
auto fields_of(std::string_view bind) {
    std::optional<BindFields> fields = parse_bind(bind);
    REQUIRE(fields);
    return std::tuple(fields->source, fields->destination, fields->options);
}

}  // namespace

TEST_CASE("bind syntax: a list splits at unescaped commas, items kept as written", "[bind-syntax]") {
    CHECK(split_bind_list("/a,/b:/c:ro") == Strings{"/a", "/b:/c:ro"});
    CHECK(split_bind_list("/a\\,b:/c\\:d,/e") == Strings{"/a\\,b:/c\\:d", "/e"});
    CHECK(split_bind_list(" /a : /b ,\t/c\t") == Strings{"/a : /b", "/c"});
    CHECK(split_bind_list(",, ,/a,") == Strings{"/a"});
    CHECK(split_bind_list(":") == Strings{":"});
    CHECK(split_bind_list("").empty());
    // A backslash before anything else is a character: "\\," is a backslash, then an escaped comma.
    CHECK(split_bind_list("/a\\\\,b") == Strings{"/a\\\\,b"});
    CHECK(split_bind_list("/a\\b,/c\\") == Strings{"/a\\b", "/c\\"});
}

TEST_CASE("bind syntax: one bind's fields, unescaped and without blanks", "[bind-syntax]") {
    CHECK(fields_of("/a") == std::tuple("/a", nullopt, nullopt));
    CHECK(fields_of("/a:/b") == std::tuple("/a", "/b", nullopt));
    CHECK(fields_of(" /a : /b : ro ") == std::tuple("/a", "/b", "ro"));
    CHECK(fields_of("/a:") == std::tuple("/a", "", nullopt));
    CHECK(fields_of("/a::") == std::tuple("/a", "", ""));
    CHECK(fields_of("/x\\:y:/d\\,e\\:f:ro") == std::tuple("/x:y", "/d,e:f", "ro"));
    CHECK(fields_of("/a\\\\,b") == std::tuple("/a\\,b", nullopt, nullopt));
    CHECK(fields_of("/a\\b\\") == std::tuple("/a\\b\\", nullopt, nullopt));
    // Only spaces and tabs are blanks; an unescaped comma in one bind is a character.
    CHECK(fields_of("\n/a,b\n") == std::tuple("\n/a,b\n", nullopt, nullopt));
}

TEST_CASE("bind syntax: more than three fields is no bind", "[bind-syntax]") {
    CHECK_FALSE(parse_bind("/a:/b:ro:x"));
    CHECK_FALSE(parse_bind(":::"));
    CHECK(parse_bind("/a:/b:ro\\:x"));
}

TEST_CASE("bind syntax: an escaped field reads back as the path", "[bind-syntax]") {
    CHECK(escape_bind_field("/a:b,c") == "/a\\:b\\,c");
    CHECK(escape_bind_field("/plain") == "/plain");
    for (std::string path : {"/a:b", "/c,d", "/e\\f", "/:,:"}) {
        std::string bind = escape_bind_field(path) + ":" + escape_bind_field(path + "2");
        CHECK(fields_of(bind) == std::tuple(path, path + "2", nullopt));
        CHECK(split_bind_list(bind + ",/next") == Strings{bind, "/next"});
    }
}

TEST_CASE("bind syntax: ro and rw are the access options", "[bind-syntax]") {
    CHECK(bind_read_only("ro") == true);
    CHECK(bind_read_only("rw") == false);
    CHECK(bind_read_only("RO") == nullopt);
    CHECK(bind_read_only("") == nullopt);
    CHECK(bind_read_only(" ro") == nullopt);
}
