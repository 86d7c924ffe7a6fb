// The pure parts of http/'s Client: query escaping, the response's header lines, the retry policy.
#include "http/header_lines.hpp"
#include "http/http_client.hpp"
#include "http/retry_policy.hpp"

#include <catch2/catch.hpp>

using hpc::http::escape_query_value;
using hpc::http::HeaderLine;
using hpc::http::HeaderLines;
using hpc::http::retry_delay;
using hpc::http::seconds_text;
using hpc::http::status_is_retried;

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("http: a query value keeps RFC 3986's unreserved characters and escapes the rest", "[http]") {
    CHECK(escape_query_value("repository:library/alpine:pull") == "repository%3Alibrary%2Falpine%3Apull");
    CHECK(escape_query_value("AZaz09-._~") == "AZaz09-._~");
    CHECK(escape_query_value("a b+c&d=e?f#g%h") == "a%20b%2Bc%26d%3De%3Ff%23g%25h");
    CHECK(escape_query_value("caf\xc3\xa9") == "caf%C3%A9");
    CHECK(escape_query_value(std::string_view("\0\xff", 2)) == "%00%FF");
    CHECK(escape_query_value("").empty());
}

TEST_CASE("http: header lines give the final response's fields, lower-case names, trimmed values", "[http]") {
    HeaderLines lines(1024);
    CHECK(lines.add("HTTP/1.1 302 Found\r\n") == HeaderLine::status);
    CHECK(lines.add("Location: https://cdn/blob\r\n") == HeaderLine::field);
    CHECK(lines.add("\r\n") == HeaderLine::other);
    CHECK(lines.fields() == Fields{{"location", "https://cdn/blob"}});
    CHECK(lines.add("HTTP/2 200 \r\n") == HeaderLine::status);
    CHECK(lines.fields().empty());
    lines.add("Content-Type:\tapplication/json \r\n");
    lines.add("Docker-Content-Digest: sha256:abc\r\n");
    lines.add("X-Folded: first\r\n");
    CHECK(lines.add("  second\r\n") == HeaderLine::field);
    lines.add("Empty:\r\n");
    CHECK(lines.add("no colon here\r\n") == HeaderLine::other);
    CHECK(lines.fields() == Fields{{"content-type", "application/json"},
                                   {"docker-content-digest", "sha256:abc"},
                                   {"x-folded", "first second"},
                                   {"empty", ""}});
}

TEST_CASE("http: one response's header lines are bounded, the next response counts anew", "[http]") {
    HeaderLines lines(40);
    lines.add("HTTP/1.1 200 OK\r\n");
    CHECK(lines.add("A: 0123456789\r\n") == HeaderLine::field);
    CHECK(lines.add("B: 0123456789\r\n") == HeaderLine::too_large);
    CHECK(lines.add("HTTP/1.1 200 OK\r\n") == HeaderLine::status);
    CHECK(lines.add("A: 0123456789\r\n") == HeaderLine::field);
}

TEST_CASE("http: 429 and 5xx but 501 and 505 are retried", "[http]") {
    for (long status : {429L, 500L, 502L, 503L, 504L, 599L}) CHECK(status_is_retried(status));
    for (long status : {0L, 200L, 301L, 400L, 401L, 404L, 428L, 501L, 505L, 600L})
        CHECK_FALSE(status_is_retried(status));
}

TEST_CASE("http: the back-off doubles, and a Retry-After of at most 30 s replaces it", "[http]") {
    CHECK(retry_delay(1, 0.5, nullptr) == 0.5);
    CHECK(retry_delay(2, 0.5, nullptr) == 1.0);
    CHECK(retry_delay(3, 0.5, nullptr) == 2.0);
    std::string seconds = "7", zero = "0", most = "30", too_long = "31", date = "Wed, 21 Oct 2015 07:28:00 GMT",
                huge = "99999999999999999999", negative = "-1";
    CHECK(retry_delay(3, 0.5, &seconds) == 7.0);
    CHECK(retry_delay(1, 0.5, &zero) == 0.0);
    CHECK(retry_delay(1, 0.5, &most) == 30.0);
    CHECK_FALSE(retry_delay(1, 0.5, &too_long));
    // Not delta-seconds: the back-off, as if none were given.
    CHECK(retry_delay(2, 0.5, &date) == 1.0);
    CHECK(retry_delay(2, 0.5, &huge) == 1.0);
    CHECK(retry_delay(2, 0.5, &negative) == 1.0);
    CHECK(seconds_text(0.5) == "0.5");
    CHECK(seconds_text(2) == "2");
    CHECK(seconds_text(0.01) == "0.01");
}
