// http/'s Client over TLS: a certificate checked against the system's CAs or the given file,
// and no redirect from https down to http. The server is python3's http.server behind its ssl
// module, with a certificate openssl makes for the run; without them the cases are skipped.
#include "http/http_client.hpp"
#include "local_http_server.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>

using hpc::Error;
using hpc::ExitCode;
using hpc::http::Client;
using hpc::http::ClientOptions;
using hpc::http::Request;
using hpc::test::thrown_error;

namespace {

// Answers GET / with "secure", and GET /to-http with a redirect to the plain port given it.
constexpr const char* server_script = R"(import http.server, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.path == "/to-http":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:" + sys.argv[3] + "/")
            body = b""
        else:
            self.send_response(200)
            body = b"secure"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *arguments):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
)";

bool installed(const char* program) {
    return std::system(("command -v " + std::string(program) + " >/dev/null 2>&1").c_str()) == 0;
}

// A self-signed certificate for 127.0.0.1 and the server using it, for as long as this lives.
class TlsServer {
public:
    explicit TlsServer(int plain_port) {
        char name[] = "/tmp/hpc-http-tls-XXXXXX";
        REQUIRE(::mkdtemp(name));
        directory_ = name;
        std::string make_certificate =
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
            "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
            directory_ + "/key.pem' -out '" + certificate() + "' >/dev/null 2>&1";
        REQUIRE(std::system(make_certificate.c_str()) == 0);
        std::ofstream(directory_ + "/server.py") << server_script;

        // Made before the fork: the child of a process with threads (the plain server's) may not allocate.
        std::string script = directory_ + "/server.py", key = directory_ + "/key.pem", cert = certificate(),
                    port = std::to_string(plain_port);
        int output[2];
        REQUIRE(::pipe2(output, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(output[1], 1);
            ::execlp("python3", "python3", script.c_str(), cert.c_str(), key.c_str(), port.c_str(), nullptr);
            ::_exit(127);
        }
        ::close(output[1]);
        // The port, once the server listens.
        std::string line;
        pollfd wait{output[0], POLLIN, 0};
        char c;
        while (::poll(&wait, 1, 10000) > 0 && ::read(output[0], &c, 1) == 1 && c != '\n') line += c;
        ::close(output[0]);
        REQUIRE(!line.empty());
        port_ = std::stoi(line);
    }
    ~TlsServer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
        std::system(("rm -rf '" + directory_ + "'").c_str());
    }

    std::string certificate() const { return directory_ + "/cert.pem"; }
    std::string url(std::string_view path) const {
        return "https://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

private:
    std::string directory_;
    pid_t pid_ = -1;
    int port_ = 0;
};

Request get(std::string url) {
    Request request;
    request.url = std::move(url);
    return request;
}

ClientOptions options_with(std::string ca_file, bool verify = true) {
    ClientOptions options;
    options.ca_file = std::move(ca_file);
    options.verify_tls = verify;
    options.attempts = 1;
    options.connect_timeout_seconds = 5;
    return options;
}

}  // namespace

TEST_CASE("http client over TLS: the certificate is checked, against the given CA file too", "[http]") {
    if (!installed("openssl") || !installed("python3")) {
        WARN("SKIPPED: needs openssl and python3, for a TLS server");
        return;
    }
    hpc::test::LocalHttpServer plain({hpc::test::reply(200, "plain")});
    TlsServer server(plain.port());

    // Self-signed: the system's CAs do not know it.
    Client system_cas(options_with(""));
    Error unknown = thrown_error([&] { system_cas.send(get(server.url("/"))); });
    CHECK(unknown.code() == ExitCode::unavailable);
    CHECK_THAT(unknown.what(), Catch::StartsWith(server.url("/") + ": TLS: "));

    Client trusting(options_with(server.certificate()));
    hpc::http::Response response = trusting.send(get(server.url("/")));
    CHECK(response.status == 200);
    CHECK(response.body == "secure");

    Client unverified(options_with("", false));
    CHECK(unverified.send(get(server.url("/"))).body == "secure");

    // Never from https down to http, whatever allow_plain_http says.
    ClientOptions allowing = options_with(server.certificate());
    allowing.allow_plain_http = true;
    Client downgrading(allowing);
    Error downgrade = thrown_error([&] { downgrading.send(get(server.url("/to-http"))); });
    CHECK(downgrade.code() == ExitCode::data);
    CHECK(std::string(downgrade.what()) ==
          server.url("/to-http") + " (redirected to " + plain.url("/") +
              "): redirect refused: redirects are followed to https, and to http from http alone");
    CHECK(plain.requests().empty());
}
