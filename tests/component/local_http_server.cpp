#include "local_http_server.hpp"

#include "common/text.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

namespace hpc::test {
namespace {

std::string reason_of(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 302: return "Found";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

void send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) return;  // the client went: nothing more to say to it
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
}

}  // namespace

ScriptedReply reply(int status, std::string_view body, const std::vector<std::string>& headers) {
    std::string bytes = "HTTP/1.1 " + std::to_string(status) + " " + reason_of(status) + "\r\n";
    for (const std::string& header : headers) bytes += header + "\r\n";
    bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    bytes += body;
    return {bytes};
}

std::string ReceivedRequest::request_line() const { return head.substr(0, head.find("\r\n")); }

std::string ReceivedRequest::header(std::string_view name) const {
    std::string wanted = ascii_lower_case(name) + ":";
    for (std::string_view line : split_lines(head))
        if (ascii_lower_case(line.substr(0, wanted.size())) == wanted)
            return std::string(trim(line.substr(wanted.size())));
    return "";
}

bool ReceivedRequest::has_header(std::string_view name) const {
    std::string wanted = ascii_lower_case(name) + ":";
    for (std::string_view line : split_lines(head))
        if (ascii_lower_case(line.substr(0, wanted.size())) == wanted) return true;
    return false;
}

LocalHttpServer::LocalHttpServer(std::vector<ScriptedReply> script) : script_(std::move(script)) {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_.get(), 8) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("a listening socket on 127.0.0.1");
    port_ = ntohs(address.sin_port);
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) throw std::runtime_error("a pipe");
    stop_read_.reset(ends[0]);
    stop_write_.reset(ends[1]);
    thread_ = std::thread([this] { serve(); });
}

LocalHttpServer::~LocalHttpServer() {
    stop_write_.reset();  // the end of file wakes every wait of the thread
    thread_.join();
}

std::string LocalHttpServer::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::vector<ReceivedRequest> LocalHttpServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

bool LocalHttpServer::wait_readable(int fd, int timeout_ms) const {
    pollfd waits[2] = {{fd, POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    int ready = ::poll(waits, 2, timeout_ms);
    return ready > 0 && waits[1].revents == 0 && waits[0].revents != 0;
}

void LocalHttpServer::serve() {
    // A thread for each connection: libcurl keeps one open while it opens another (to another
    // host name after a redirect, or after a stalled transfer).
    std::vector<std::thread> connections;
    while (wait_readable(listener_.get(), -1)) {
        int connection = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (connection >= 0)
            connections.emplace_back(
                [this, owned = std::make_shared<UniqueFd>(connection)] { serve_connection(owned->get()); });
    }
    for (std::thread& thread : connections) thread.join();
}

void LocalHttpServer::serve_connection(int connection) {
    std::string received;
    for (;;) {
        // One request: its head, then the body its Content-Length says.
        std::size_t head_end;
        while ((head_end = received.find("\r\n\r\n")) == std::string::npos) {
            char buffer[65536];
            if (!wait_readable(connection, 10000)) return;
            ssize_t got = ::read(connection, buffer, sizeof buffer);
            if (got <= 0) return;
            received.append(buffer, static_cast<std::size_t>(got));
        }
        ReceivedRequest request{received.substr(0, head_end + 2), ""};
        std::string length = request.header("content-length");
        std::size_t body_size = length.empty() ? 0 : std::stoul(length);
        received.erase(0, head_end + 4);
        while (received.size() < body_size) {
            char buffer[65536];
            if (!wait_readable(connection, 10000)) return;
            ssize_t got = ::read(connection, buffer, sizeof buffer);
            if (got <= 0) return;
            received.append(buffer, static_cast<std::size_t>(got));
        }
        request.body = received.substr(0, body_size);
        received.erase(0, body_size);

        ScriptedReply answer = reply(500, "the test's script has no reply left");
        answer.close = true;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(std::move(request));
            if (next_reply_ < script_.size()) answer = script_[next_reply_++];
        }
        send_all(connection, answer.bytes);
        if (answer.stall_seconds > 0) {
            wait_readable(stop_read_.get(), static_cast<int>(answer.stall_seconds * 1000));
            return;
        }
        if (answer.close) return;
    }
}

}  // namespace hpc::test
