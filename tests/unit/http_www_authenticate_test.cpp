// WWW-Authenticate's challenges (http/www_authenticate.hpp), as registries send them and as
// a hostile server might.
#include "http/www_authenticate.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

using hpc::ExitCode;
using hpc::http::Challenge;
using hpc::http::parse_www_authenticate;
using hpc::test::error_message;

using Params = std::vector<std::pair<std::string, std::string>>;

namespace {

Challenge only_challenge(std::string_view value) {
    std::vector<Challenge> challenges = parse_www_authenticate(value);
    REQUIRE(challenges.size() == 1);
    return challenges[0];
}

std::string refusal(std::string_view value) {
    return error_message([&] { parse_www_authenticate(value); }, ExitCode::data);
}

}  // namespace

TEST_CASE("www-authenticate: Docker Hub's bearer challenge", "[http]") {
    Challenge challenge = only_challenge(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")");
    CHECK(challenge.scheme == "bearer");
    CHECK(challenge.params == Params{{"realm", "https://auth.docker.io/token"},
                                     {"service", "registry.docker.io"},
                                     {"scope", "repository:library/alpine:pull"}});
    REQUIRE(challenge.param("service"));
    CHECK(*challenge.param("service") == "registry.docker.io");
    CHECK(challenge.param("error") == nullptr);
    CHECK(challenge.token68.empty());
}

TEST_CASE("www-authenticate: ghcr's, quay's and an insufficient scope with a comma in a quoted value", "[http]") {
    CHECK(
        only_challenge(R"(Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:owner/image:pull")")
            .params ==
        Params{{"realm", "https://ghcr.io/token"}, {"service", "ghcr.io"}, {"scope", "repository:owner/image:pull"}});
    CHECK(only_challenge(R"(Bearer realm="https://quay.io/v2/auth",service="quay.io")").params ==
          Params{{"realm", "https://quay.io/v2/auth"}, {"service", "quay.io"}});
    Challenge scoped =
        only_challenge(R"(Bearer realm="https://r/token",scope="repository:a/b:pull,push",error="insufficient_scope")");
    CHECK(*scoped.param("scope") == "repository:a/b:pull,push");
    CHECK(*scoped.param("error") == "insufficient_scope");
}

TEST_CASE("www-authenticate: Basic, case, blanks and unquoted values", "[http]") {
    Challenge basic = only_challenge(R"(Basic realm="Registry Realm")");
    CHECK(basic.scheme == "basic");
    CHECK(basic.params == Params{{"realm", "Registry Realm"}});
    // Scheme and names without case, values as sent; blanks around '=' and ',' (BWS, OWS).
    CHECK(only_challenge("BEARER Realm = \"x\" ,\tService=reg.example").params ==
          Params{{"realm", "x"}, {"service", "reg.example"}});
    CHECK(only_challenge("Basic").scheme == "basic");
    CHECK(only_challenge("Basic").params.empty());
    CHECK(only_challenge(R"(Bearer realm="")").params == Params{{"realm", ""}});
}

TEST_CASE("www-authenticate: quoted-pairs are undone", "[http]") {
    CHECK(*only_challenge(R"(Basic realm="a \"quoted\" realm")").param("realm") == R"(a "quoted" realm)");
    CHECK(*only_challenge(R"(Basic realm="back\\slash\x")").param("realm") == R"(back\slashx)");
    CHECK(*only_challenge("Basic realm=\"tab\there\"").param("realm") == "tab\there");
}

TEST_CASE("www-authenticate: several challenges in one value, and token68", "[http]") {
    std::vector<Challenge> challenges = parse_www_authenticate(
        R"(Negotiate abc+/==, Basic realm="r", charset="UTF-8", Bearer realm="https://t",service=s,,)");
    REQUIRE(challenges.size() == 3);
    CHECK(challenges[0].scheme == "negotiate");
    CHECK(challenges[0].token68 == "abc+/==");
    CHECK(challenges[0].params.empty());
    CHECK(challenges[1].scheme == "basic");
    CHECK(challenges[1].params == Params{{"realm", "r"}, {"charset", "UTF-8"}});
    CHECK(challenges[2].scheme == "bearer");
    CHECK(challenges[2].params == Params{{"realm", "https://t"}, {"service", "s"}});
    // Two header fields joined by ", ", and schemes alone between commas.
    challenges = parse_www_authenticate(R"(Bearer realm="https://t", Basic realm="b")");
    REQUIRE(challenges.size() == 2);
    CHECK(challenges[1].scheme == "basic");
    CHECK(parse_www_authenticate("Basic, Negotiate").size() == 2);
}

TEST_CASE("www-authenticate: malformed text is refused with the header and the place", "[http]") {
    CHECK(refusal("") == "WWW-Authenticate header '': no challenge (at byte 0)");
    CHECK(
        refusal(R"(Bearer realm="https://t)") ==
        R"(WWW-Authenticate header 'Bearer realm="https://t': a quoted value without its closing quote (at byte 23))");
    CHECK(refusal(R"(Bearer service="s",realm=)") ==
          R"(WWW-Authenticate header 'Bearer service="s",realm=': parameter 'realm' has no value (at byte 25))");
    // Alone after its scheme, "realm=" is a token68 (RFC 7235 2.1), not a parameter without value.
    CHECK(only_challenge("Bearer realm=").token68 == "realm=");
    CHECK(refusal(R"(Bearer realm="a" service="b")").find("expected ',' after parameter 'realm'") != std::string::npos);
    CHECK(refusal(R"(Bearer realm="a",realm="b")").find("parameter 'realm' given twice") != std::string::npos);
    CHECK(refusal(R"(Bearer realm=@)").find("unexpected '@' in parameter 'realm'") != std::string::npos);
    CHECK(refusal(R"("Bearer")").find("expected an authentication scheme") != std::string::npos);
    CHECK(refusal("Bearer realm=\"a\nb\"").find("a control character in a quoted value") != std::string::npos);
    CHECK(refusal("Bearer realm=\"a\\").find("without its closing quote") != std::string::npos);
    // A hostile header's control characters do not reach the terminal.
    CHECK(refusal("Bearer\x1b[2J").find("\\x1b") != std::string::npos);
}

TEST_CASE("www-authenticate: bounded in challenges, parameters and value sizes", "[http]") {
    std::string sixteen, seventeen;
    for (int index = 0; index < 16; ++index) sixteen += "Basic realm=\"r\", ";
    CHECK(parse_www_authenticate(sixteen).size() == 16);
    seventeen = sixteen + "Basic";
    CHECK(refusal(seventeen).find("more than 16 challenges") != std::string::npos);

    std::string params = "Bearer p0=v";
    for (int index = 1; index < 32; ++index) params += ",p" + std::to_string(index) + "=v";
    CHECK(only_challenge(params).params.size() == 32);
    CHECK(refusal(params + ",p32=v").find("more than 32 parameters in one challenge") != std::string::npos);

    std::string largest(4096, 'a');
    CHECK(only_challenge("Bearer realm=\"" + largest + "\"").param("realm")->size() == 4096);
    CHECK(only_challenge("Bearer realm=" + largest).param("realm")->size() == 4096);
    CHECK(refusal("Bearer realm=\"" + largest + "a\"").find("a value longer than 4096 bytes") != std::string::npos);
    CHECK(refusal("Bearer realm=" + largest + "a").find("a value longer than 4096 bytes") != std::string::npos);
    CHECK(refusal("Negotiate " + largest + "a").find("a value longer than 4096 bytes") != std::string::npos);
}
