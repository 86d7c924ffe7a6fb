// A scripted HTTP/1.1 server on the loopback, for tests of http/'s Client: each request it reads
// (on any connection, kept alive between them) is answered by the next reply of its script,
// byte for byte as written there, so that a test can send what no well-behaved server would.
// It serves from a thread of the test's process and records every request for the test to check.
#pragma once

#include "common/unique_fd.hpp"

#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hpc::test {

struct ScriptedReply {
    std::string bytes;         // sent as they are: status line, header, body
    bool close = false;        // the connection is closed after them
    double stall_seconds = 0;  // before that, nothing more is sent for this long (a stalled transfer)
};

// A complete answer: `status` and its reason, `headers` ("Name: value"), a Content-Length and `body`.
ScriptedReply reply(int status, std::string_view body = "", const std::vector<std::string>& headers = {});

struct ReceivedRequest {
    std::string head;                                 // request line and header lines, each ending in "\r\n"
    std::string body;                                 // Content-Length bytes
    std::string request_line() const;                 // "GET /v2/ HTTP/1.1"
    std::string header(std::string_view name) const;  // the value of the first field so named (any case), or ""
    bool has_header(std::string_view name) const;
};

class LocalHttpServer {
public:
    explicit LocalHttpServer(std::vector<ScriptedReply> script);
    ~LocalHttpServer();
    LocalHttpServer(const LocalHttpServer&) = delete;
    LocalHttpServer& operator=(const LocalHttpServer&) = delete;

    int port() const { return port_; }
    std::string url(std::string_view path) const;  // "http://127.0.0.1:PORT" + path
    std::vector<ReceivedRequest> requests() const;

private:
    void serve();
    void serve_connection(int connection);
    bool wait_readable(int fd, int timeout_ms) const;  // false when stopped or timed out

    UniqueFd listener_;
    UniqueFd stop_read_, stop_write_;
    int port_ = 0;
    std::vector<ScriptedReply> script_;
    std::size_t next_reply_ = 0;
    mutable std::mutex mutex_;
    std::vector<ReceivedRequest> requests_;
    std::thread thread_;
};

}  // namespace hpc::test
