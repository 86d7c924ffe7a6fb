// http/'s Client against a scripted server on the loopback (local_http_server.hpp): libcurl
// loaded at run time, retries, redirects, bounds, bodies in and out, and the errors.
#include "http/curl_library.hpp"
#include "http/http_client.hpp"
#include "http/www_authenticate.hpp"
#include "local_http_server.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

using hpc::Error;
using hpc::ExitCode;
using hpc::http::Client;
using hpc::http::ClientOptions;
using hpc::http::Request;
using hpc::http::Response;
using hpc::test::LocalHttpServer;
using hpc::test::reply;
using hpc::test::ScriptedReply;
using hpc::test::thrown_error;

using Strings = std::vector<std::string>;

namespace {

// Plain http on the loopback, retries after 10 ms, a stall noticed within a second or two.
struct QuickClient {
    Strings notices;
    Client client;
    explicit QuickClient(int attempts = 4)
        : client([&] {
              ClientOptions options;
              options.allow_plain_http = true;
              options.first_backoff_seconds = 0.01;
              options.low_speed_seconds = 1;
              options.connect_timeout_seconds = 5;
              options.attempts = attempts;
              options.notice = [this](const std::string& notice) { notices.push_back(notice); };
              return options;
          }()) {}
};

Request get(std::string url) {
    Request request;
    request.url = std::move(url);
    return request;
}

ScriptedReply redirect(const std::string& location) { return reply(302, "moved", {"Location: " + location}); }

// A descriptor of a file holding `bytes`, removed already.
hpc::UniqueFd file_holding(std::string_view bytes) {
    char name[] = "/tmp/hpc-http-body-XXXXXX";
    hpc::UniqueFd fd(::mkstemp(name));
    REQUIRE(fd);
    ::unlink(name);
    REQUIRE(::write(fd.get(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    return fd;
}

}  // namespace

TEST_CASE("http client: libcurl is loaded at run time, once", "[http]") {
    const hpc::http::CurlLibrary& curl = hpc::http::curl_library();
    CHECK((std::string(curl.file_name) == "libcurl.so.4" || std::string(curl.file_name) == "libcurl-gnutls.so.4"));
    CHECK(&hpc::http::curl_library() == &curl);
    INFO("libcurl " << curl.version);
    CHECK(curl.easy_init != nullptr);
}

TEST_CASE("http client: without libcurl, registries say what to install", "[http]") {
    Error error = thrown_error([] {
        hpc::http::load_curl_library({"libhpc-test-no-curl.so.4", "libhpc-test-none.so.4"});
    });
    CHECK(error.code() == ExitCode::unavailable);
    CHECK(std::string(error.what()) ==
          "registries need libcurl (Debian's libcurl4): libhpc-test-no-curl.so.4: cannot open "
          "shared object file: No such file or directory");
}

TEST_CASE("http client: a GET sends the caller's headers and gives the final response", "[http]") {
    LocalHttpServer server(
        {reply(200, R"({"ok":true})", {"Content-Type:  application/json ", "Docker-Content-Digest: sha256:ab"})});
    QuickClient quick;
    Request request = get(server.url("/v2/"));
    request.headers = {"Accept: application/vnd.oci.image.index.v1+json", "Authorization: Bearer token"};
    Response response = quick.client.send(request);
    CHECK(response.status == 200);
    CHECK(response.body == R"({"ok":true})");
    CHECK(response.url == server.url("/v2/"));
    REQUIRE(response.header("content-type"));
    CHECK(*response.header("content-type") == "application/json");
    CHECK(*response.header("docker-content-digest") == "sha256:ab");
    CHECK(response.header("location") == nullptr);
    REQUIRE(server.requests().size() == 1);
    hpc::test::ReceivedRequest received = server.requests()[0];
    CHECK(received.request_line() == "GET /v2/ HTTP/1.1");
    CHECK(received.header("accept") == "application/vnd.oci.image.index.v1+json");
    CHECK(received.header("authorization") == "Bearer token");
    CHECK(received.header("user-agent") == "hpc/" HPC_VERSION);
    CHECK_FALSE(received.has_header("accept-encoding"));
    CHECK(quick.notices.empty());
}

TEST_CASE("http client: a 503 is tried again after the back-off, on the same connection", "[http]") {
    LocalHttpServer server({reply(503, "busy"), reply(503, "busy"), reply(200, "done")});
    QuickClient quick;
    Response response = quick.client.send(get(server.url("/v2/")));
    CHECK(response.status == 200);
    CHECK(response.body == "done");
    CHECK(server.requests().size() == 3);
    CHECK(quick.notices == Strings{"retrying " + server.url("/v2/") + " in 0.01 s (503)",
                                   "retrying " + server.url("/v2/") + " in 0.02 s (503)"});
}

TEST_CASE("http client: once the attempts are spent, the last answer is returned", "[http]") {
    LocalHttpServer server({reply(503, "busy 1"), reply(502, "busy 2")});
    QuickClient quick(2);
    Response response = quick.client.send(get(server.url("/v2/")));
    CHECK(response.status == 502);
    CHECK(response.body == "busy 2");
    CHECK(quick.notices.size() == 1);
}

TEST_CASE("http client: a Retry-After of at most 30 s is honoured, a longer one returned", "[http]") {
    LocalHttpServer server({reply(429, "slow down", {"Retry-After: 0"}), reply(200, "ok"),
                            reply(429, "come back later", {"Retry-After: 3600"})});
    QuickClient quick;
    CHECK(quick.client.send(get(server.url("/a"))).status == 200);
    CHECK(quick.notices == Strings{"retrying " + server.url("/a") + " in 0 s (429)"});
    Response refused = quick.client.send(get(server.url("/b")));
    CHECK(refused.status == 429);
    CHECK(refused.body == "come back later");
    CHECK(server.requests().size() == 3);
}

TEST_CASE("http client: a 4xx is returned with its body, not tried again", "[http]") {
    LocalHttpServer server({reply(401, R"({"errors":[{"code":"UNAUTHORIZED"}]})",
                                  {R"(WWW-Authenticate: Bearer realm="http://127.0.0.1/token",service="local")"})});
    QuickClient quick;
    Request request = get(server.url("/v2/"));
    bool sink_called = false;
    request.sink = [&](const char*, std::size_t) { sink_called = true; };
    Response response = quick.client.send(request);
    CHECK(response.status == 401);
    CHECK(response.body == R"({"errors":[{"code":"UNAUTHORIZED"}]})");
    CHECK_FALSE(sink_called);  // only a 2xx body is the payload
    REQUIRE(response.header("www-authenticate"));
    std::vector<hpc::http::Challenge> challenges =
        hpc::http::parse_www_authenticate(*response.header("www-authenticate"));
    REQUIRE(challenges.size() == 1);
    CHECK(*challenges[0].param("service") == "local");
    CHECK(server.requests().size() == 1);
}

TEST_CASE("http client: redirects are followed, the Authorization kept to the same host only", "[http]") {
    LocalHttpServer cdn({reply(200, "blob bytes", {"X-Served-By: cdn"})});
    std::string other_host = "http://localhost:" + std::to_string(cdn.port()) + "/blob?signature=secret";
    LocalHttpServer registry({redirect("/v2/moved"), redirect(other_host)});
    QuickClient quick;
    Request request = get(registry.url("/v2/blobs/sha256:1"));
    request.headers = {"Authorization: Bearer registry-token"};
    Response response = quick.client.send(request);
    CHECK(response.status == 200);
    CHECK(response.body == "blob bytes");
    CHECK(response.url == other_host);
    CHECK(response.header("location") == nullptr);  // the final response's fields alone
    CHECK(*response.header("x-served-by") == "cdn");
    REQUIRE(registry.requests().size() == 2);
    CHECK(registry.requests()[1].request_line() == "GET /v2/moved HTTP/1.1");
    CHECK(registry.requests()[1].header("authorization") == "Bearer registry-token");
    REQUIRE(cdn.requests().size() == 1);
    CHECK_FALSE(cdn.requests()[0].has_header("authorization"));
}

TEST_CASE("http client: a redirect not followed is returned, and more than 5 are refused", "[http]") {
    LocalHttpServer server({redirect("/elsewhere"), redirect("/1"), redirect("/2"), redirect("/3"), redirect("/4"),
                            redirect("/5"), redirect("/6")});
    QuickClient quick;
    Request request = get(server.url("/v2/"));
    request.follow_redirects = false;
    Response response = quick.client.send(request);
    CHECK(response.status == 302);
    CHECK(*response.header("location") == "/elsewhere");
    Error error = thrown_error([&] { quick.client.send(get(server.url("/0"))); });
    CHECK(error.code() == ExitCode::data);
    CHECK_THAT(error.what(),
               Catch::StartsWith(server.url("/0") + " (redirected to " + server.url("/5") + "): too many redirects: "));
}

TEST_CASE("http client: a redirect to another scheme than http(s) is refused", "[http]") {
    LocalHttpServer server({redirect("ftp://127.0.0.1/file")});
    QuickClient quick;
    Error error = thrown_error([&] { quick.client.send(get(server.url("/v2/"))); });
    CHECK(error.code() == ExitCode::data);
    CHECK_THAT(error.what(), Catch::Contains("redirect refused"));
}

TEST_CASE("http client: a body to keep is bounded, a 2xx one refused, another's cut", "[http]") {
    std::string large(100, 'x');
    LocalHttpServer server({reply(200, large), reply(404, large), reply(200, std::string(16, 'y'))});
    QuickClient quick;
    Request request = get(server.url("/v2/large"));
    request.max_body = 16;
    Error error = thrown_error([&] { quick.client.send(request); });
    CHECK(error.code() == ExitCode::data);
    CHECK(std::string(error.what()) == server.url("/v2/large") + ": the response's body is larger than 16 bytes");
    Response not_found = quick.client.send(request);
    CHECK(not_found.status == 404);
    CHECK(not_found.body == std::string(16, 'x'));
    CHECK(quick.client.send(request).body == std::string(16, 'y'));  // exactly the bound
}

TEST_CASE("http client: a 2xx body goes to the sink as it comes, whatever its size", "[http]") {
    std::string large(1 << 20, 'z');
    LocalHttpServer server({reply(200, large)});
    QuickClient quick;
    Request request = get(server.url("/v2/blob"));
    request.max_body = 16;
    std::string sunk;
    request.sink = [&](const char* data, std::size_t size) { sunk.append(data, size); };
    Response response = quick.client.send(request);
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    CHECK(sunk == large);
}

TEST_CASE("http client: what the sink throws is thrown by send, without another try", "[http]") {
    LocalHttpServer server({reply(200, "not what was asked for")});
    QuickClient quick;
    Request request = get(server.url("/v2/blob"));
    request.sink = [](const char*, std::size_t) { throw Error(ExitCode::data, "blob: digest mismatch"); };
    Error error = thrown_error([&] { quick.client.send(request); });
    CHECK(error.code() == ExitCode::data);
    CHECK(std::string(error.what()) == "blob: digest mismatch");
    CHECK(server.requests().size() == 1);
}

TEST_CASE("http client: a connection closed without an answer is tried again", "[http]") {
    LocalHttpServer server({ScriptedReply{"", true}, reply(200, "second time")});
    QuickClient quick;
    CHECK(quick.client.send(get(server.url("/v2/"))).body == "second time");
    REQUIRE(quick.notices.size() == 1);
    CHECK_THAT(quick.notices[0], Catch::StartsWith("retrying " + server.url("/v2/") + " in 0.01 s ("));
}

TEST_CASE("http client: a body broken off after the sink had some is not tried again", "[http]") {
    ScriptedReply broken{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", true};
    LocalHttpServer server({broken, reply(200, "never asked for")});
    QuickClient quick;
    Request request = get(server.url("/v2/blob"));
    std::string sunk;
    request.sink = [&](const char* data, std::size_t size) { sunk.append(data, size); };
    Error error = thrown_error([&] { quick.client.send(request); });
    CHECK(error.code() == ExitCode::unavailable);
    CHECK_THAT(error.what(), Catch::StartsWith(server.url("/v2/blob") + ": connection failed: "));
    CHECK(sunk == "0123456789");
    CHECK(server.requests().size() == 1);
}

TEST_CASE("http client: a stalled transfer is given up after low_speed_seconds", "[http]") {
    // No byte at all: libcurl's speed is an average over the last five seconds, so that a transfer
    // which had some bytes first is given up five seconds later than one which had none.
    ScriptedReply stalled{"", false, 10};
    LocalHttpServer server({stalled});
    QuickClient quick(1);
    auto start = std::chrono::steady_clock::now();
    Error error = thrown_error([&] { quick.client.send(get(server.url("/v2/slow"))); });
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(error.code() == ExitCode::unavailable);
    CHECK_THAT(error.what(), Catch::StartsWith(server.url("/v2/slow") + ": connection failed: "));
    CHECK(seconds < 5);
}

TEST_CASE("http client: a refused connection is tried again, then said", "[http]") {
    // A port nothing listens on: bound, then closed.
    int port;
    {
        LocalHttpServer gone({});
        port = gone.port();
    }
    QuickClient quick(2);
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
    Error error = thrown_error([&] { quick.client.send(get(url)); });
    CHECK(error.code() == ExitCode::unavailable);
    CHECK_THAT(error.what(), Catch::StartsWith(url + ": cannot connect: "));
    CHECK(quick.notices.size() == 1);
}

TEST_CASE("http client: plain http and other schemes are refused before any connection", "[http]") {
    LocalHttpServer server({reply(200, "never")});
    Client client(ClientOptions{});
    Error error = thrown_error([&] { client.send(get(server.url("/v2/"))); });
    CHECK(error.code() == ExitCode::usage);
    CHECK(std::string(error.what()) ==
          server.url("/v2/") + ": plain HTTP is refused (registries are reached over https)");
    Error other = thrown_error([&] { client.send(get("ftp://127.0.0.1/v2/")); });
    CHECK(other.code() == ExitCode::usage);
    CHECK(std::string(other.what()) == "ftp://127.0.0.1/v2/: not an http or https URL");
    CHECK(server.requests().empty());
}

TEST_CASE("http client: HEAD, POST, PATCH and DELETE send their method and body", "[http]") {
    LocalHttpServer server({reply(200, "", {"Content-Length-Is-Ignored: yes", "Docker-Content-Digest: sha256:cd"}),
                            reply(202, "", {"Location: /v2/uploads/1"}), reply(202), reply(202)});
    QuickClient quick;
    Request head = get(server.url("/v2/m"));
    head.method = "HEAD";
    Response headed = quick.client.send(head);
    CHECK(*headed.header("docker-content-digest") == "sha256:cd");
    Request post = get(server.url("/v2/uploads/"));
    post.method = "POST";
    CHECK(*quick.client.send(post).header("location") == "/v2/uploads/1");
    Request patch = get(server.url("/v2/uploads/1"));
    patch.method = "PATCH";
    patch.body = "chunk";
    patch.headers = {"Content-Type: application/octet-stream"};
    CHECK(quick.client.send(patch).status == 202);
    Request remove = get(server.url("/v2/m"));
    remove.method = "DELETE";
    CHECK(quick.client.send(remove).status == 202);

    std::vector<hpc::test::ReceivedRequest> received = server.requests();
    REQUIRE(received.size() == 4);
    CHECK(received[0].request_line() == "HEAD /v2/m HTTP/1.1");
    CHECK(received[1].request_line() == "POST /v2/uploads/ HTTP/1.1");
    CHECK(received[1].header("content-length") == "0");
    CHECK_FALSE(received[1].has_header("content-type"));  // not sent as a form
    CHECK(received[2].request_line() == "PATCH /v2/uploads/1 HTTP/1.1");
    CHECK(received[2].body == "chunk");
    CHECK(received[2].header("content-type") == "application/octet-stream");
    CHECK_FALSE(received[2].has_header("expect"));
    CHECK(received[3].request_line() == "DELETE /v2/m HTTP/1.1");
}

TEST_CASE("http client: a PUT's body is read from its descriptor again for each try", "[http]") {
    hpc::UniqueFd body = file_holding("0123456789");
    LocalHttpServer server({reply(503), reply(201, "", {"Location: /v2/blobs/sha256:1"})});
    QuickClient quick;
    Request put = get(server.url("/v2/uploads/1?digest=sha256%3A1"));
    put.method = "PUT";
    put.body_fd = body.get();
    put.body_offset = 2;
    put.body_size = 5;
    CHECK(quick.client.send(put).status == 201);
    std::vector<hpc::test::ReceivedRequest> received = server.requests();
    REQUIRE(received.size() == 2);
    for (const auto& request : received) {
        CHECK(request.request_line() == "PUT /v2/uploads/1?digest=sha256%3A1 HTTP/1.1");
        CHECK(request.body == "23456");
        CHECK(request.header("content-length") == "5");
        CHECK_FALSE(request.has_header("expect"));
    }
}

TEST_CASE("http client: a body file shorter than said, a header with a line break, an unknown method", "[http]") {
    hpc::UniqueFd body = file_holding("abc");
    LocalHttpServer server({});
    QuickClient quick;
    Request put = get(server.url("/v2/uploads/1"));
    put.method = "PUT";
    put.body_fd = body.get();
    put.body_size = 10;
    Error short_body = thrown_error([&] { quick.client.send(put); });
    CHECK(short_body.code() == ExitCode::data);
    CHECK(std::string(short_body.what()) ==
          "the body to send to " + server.url("/v2/uploads/1") + " ends after 3 of its 10 bytes");

    Request injected = get(server.url("/v2/"));
    injected.headers = {"Authorization: Bearer x\r\nX-Evil: 1"};
    CHECK(thrown_error([&] { quick.client.send(injected); }).code() == ExitCode::data);
    Request odd = get(server.url("/v2/"));
    odd.method = "TRACE";
    CHECK(thrown_error([&] { quick.client.send(odd); }).code() == ExitCode::software);
    CHECK(server.requests().size() <= 1);  // the short body's only
}

TEST_CASE("http client: a response's header over 64 KiB is refused", "[http]") {
    std::string half(40 << 10, 'h');
    LocalHttpServer server({reply(200, "", {"X-One: " + half, "X-Two: " + half})});
    QuickClient quick;
    Error error = thrown_error([&] { quick.client.send(get(server.url("/v2/"))); });
    CHECK(error.code() == ExitCode::data);
    CHECK(std::string(error.what()) == server.url("/v2/") + ": the response's header is larger than 64 KiB");
}
