// HTTP(S) requests for the registries (image/registry/): hpc's one wrapper of libcurl.
//
// A Client holds one libcurl handle, reused for every request so that its connections are too
// (a pull makes dozens of requests to one host). libcurl is loaded only when the first Client is
// made (http/curl_library.hpp): no other command pays for it. A Client is used by one thread at
// a time; several Clients may work side by side.
//
// What a registry needs of HTTP, and no more: redirects (blobs are served from a CDN), retries of
// the answers that say "try again" (429, 5xx) and of broken connections, bodies streamed to a
// sink as they arrive (layers of gigabytes), bodies read from a file with pread (so a retry reads
// them again), and every size bounded (a server is not trusted for how much it sends).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpc::http {

struct Request {
    std::string method = "GET";  // GET, HEAD, PUT, POST, PATCH, DELETE
    std::string url;
    std::vector<std::string> headers;  // "Name: value", sent as given
    std::string body;                  // sent when body_fd < 0 (PUT/POST/PATCH); may be empty
    int body_fd = -1;  // else: body_size bytes read with pread from body_offset (so a retry can read them again)
    uint64_t body_offset = 0, body_size = 0;
    // When set, a 2xx response's body goes here as it arrives (not into Response::body); the
    // callback may throw hpc::Error to abort the transfer (the error is rethrown by send).
    std::function<void(const char* data, std::size_t size)> sink;
    std::size_t max_body = 4u << 20;  // a body kept in Response::body larger than this: Error(data) naming the URL
    bool follow_redirects = true;     // at most 5, to http(s) only; never from https to http
};

struct Response {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // the final response's, names lower-case, values trimmed
    // Non-2xx bodies are always kept here, for error messages: their first max_body bytes (the
    // transfer stops there, and the rest is not needed to say what went wrong).
    std::string body;
    std::string url;  // the effective URL after redirects
    const std::string* header(std::string_view lower_case_name) const;  // first with that name, or nullptr
};

struct ClientOptions {
    bool allow_plain_http = false;  // false: a http:// URL is refused (Error usage) before any connection
    std::string ca_file;            // "" : libcurl's default (system CAs); else CURLOPT_CAINFO
    std::string ca_directory;       // "" : none; else CURLOPT_CAPATH (hashed certificates, as $SSL_CERT_DIR)
    bool verify_tls = true;
    int connect_timeout_seconds = 30;
    int low_speed_seconds = 60;                      // abort when under 1 byte/s for this long (CURLOPT_LOW_SPEED_*)
    int attempts = 4;                                // tries for 429, 5xx and transient connection errors
    std::function<void(const std::string&)> notice;  // "retrying <url> in 2 s (503)", may be empty
    std::string user_agent = "hpc/" HPC_VERSION;
    double first_backoff_seconds = 0.5;  // the wait before the first retry, doubled before each next one
};

class Client {
public:
    // Loads libcurl (throws as above); one easy handle reused (connection reuse).
    explicit Client(ClientOptions options);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    Client(Client&&) noexcept;  // a Client moved from may only be destroyed or assigned to
    Client& operator=(Client&&) noexcept;

    // Sends the request, retrying 429/5xx/transient failures with back-off (0.5 s, 1 s, 2 s...,
    // a Retry-After of at most 30 s honoured) while nothing was yet given to the sink. Returns the
    // final response whatever its status (the caller judges 4xx/5xx); throws hpc::Error(unavailable)
    // for a connection failure, DNS failure or timeout ("https://host/v2/: cannot connect: <curl's message>"),
    // Error(unavailable) for TLS failures with "TLS" in the message ("...: TLS: certificate verify failed: ..."),
    // hpc::Error(usage) for a plain http URL not allowed.
    Response send(const Request& request);
    const ClientOptions& options() const;

private:
    struct Handle;
    ClientOptions options_;
    std::unique_ptr<Handle> handle_;
};

// Percent-encoding of a query value (RFC 3986 unreserved kept).
std::string escape_query_value(std::string_view value);

}  // namespace hpc::http
