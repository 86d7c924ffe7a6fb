#include "http/transfer.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"
#include "http/header_lines.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hpc::http {
namespace {

// What libcurl's callbacks share with the transfer, through their user pointer. A callback never
// lets an exception through libcurl's C frames: it keeps it and makes libcurl stop.
struct TransferState {
    CurlEasy& easy;
    const Request& request;
    TransferOutcome& outcome;
    HeaderLines headers;
    uint64_t body_size;      // of the request's body
    uint64_t body_sent = 0;  // how much of it libcurl has read
};

bool is_success(long status) { return status >= 200 && status <= 299; }

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& state = *static_cast<TransferState*>(user);
    try {
        switch (state.headers.add(std::string_view(data, size * count))) {
        case HeaderLine::status:
            // A response after a redirect or a 100 Continue: what came of the one before is not its.
            state.outcome.response.body.clear();
            break;
        case HeaderLine::too_large: state.outcome.headers_too_large = true; return 0;
        case HeaderLine::field:
        case HeaderLine::other: break;
        }
        return size * count;
    } catch (...) {
        state.outcome.callback_error = std::current_exception();
        return 0;
    }
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto& state = *static_cast<TransferState*>(user);
    const std::size_t length = size * count;
    try {
        // libcurl knows the status by the time the body comes; only a 2xx body is the payload.
        bool success = is_success(state.easy.info_number(CURLINFO_RESPONSE_CODE));
        if (success && state.request.sink) {
            state.outcome.sink_used = true;
            state.request.sink(data, length);
            return length;
        }
        std::string& body = state.outcome.response.body;
        std::size_t room = state.request.max_body - std::min(body.size(), state.request.max_body);
        if (length > room) {
            if (success) {
                state.outcome.body_too_large = true;
            } else {
                body.append(data, room);
                state.outcome.body_cut = true;
            }
            return 0;  // anything but `length` stops the transfer (CURLE_WRITE_ERROR)
        }
        body.append(data, length);
        return length;
    } catch (...) {
        state.outcome.callback_error = std::current_exception();
        return 0;
    }
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto& state = *static_cast<TransferState*>(user);
    const Request& request = state.request;
    std::size_t wanted = static_cast<std::size_t>(std::min<uint64_t>(size * count, state.body_size - state.body_sent));
    if (wanted == 0) return 0;
    if (request.body_fd < 0) {
        std::memcpy(buffer, request.body.data() + state.body_sent, wanted);
        state.body_sent += wanted;
        return wanted;
    }
    ssize_t got;
    do {
        got = ::pread(request.body_fd, buffer, wanted, static_cast<off_t>(request.body_offset + state.body_sent));
    } while (got < 0 && errno == EINTR);
    try {
        if (got < 0) throw_errno("read the body to send to " + printable(request.url));
        if (got == 0)
            throw Error(ExitCode::data, "the body to send to " + printable(request.url) + " ends after " +
                                            std::to_string(state.body_sent) + " of its " +
                                            std::to_string(state.body_size) + " bytes");
    } catch (...) {
        state.outcome.callback_error = std::current_exception();
        return CURL_READFUNC_ABORT;
    }
    state.body_sent += static_cast<uint64_t>(got);
    return static_cast<std::size_t>(got);
}

// libcurl rewinds the body to send it again after a redirect or an authentication (curl_easy_setopt's
// CURLOPT_SEEKFUNCTION); pread makes any offset as good as another.
int on_seek(void* user, curl_off_t offset, int origin) {
    auto& state = *static_cast<TransferState*>(user);
    if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > state.body_size)
        return CURL_SEEKFUNC_CANTSEEK;
    state.body_sent = static_cast<uint64_t>(offset);
    return CURL_SEEKFUNC_OK;
}

bool has_header(const std::vector<std::string>& lines, std::string_view lower_case_name) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
        return ascii_lower_case(line.substr(0, line.find(':'))) == lower_case_name;
    });
}

// The request's header lines, as libcurl will send them. A line break in one would start another
// header (a token from a hostile server is sent back in one): refused.
std::vector<std::string> header_lines(const Request& request, bool with_body) {
    std::vector<std::string> lines;
    for (const std::string& line : request.headers) {
        if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
            throw Error(ExitCode::data, "a header for " + printable(request.url) +
                                            " holds a line break or a NUL: " + quoted_printable(line, 60));
        lines.push_back(line);
    }
    if (with_body) {
        // libcurl would wait up to a second for a "100 Continue" before a large body: registries
        // take the body at once.
        lines.push_back("Expect:");
        // A POST without one would be sent as a form (application/x-www-form-urlencoded).
        if (!has_header(request.headers, "content-type")) lines.push_back("Content-Type:");
    }
    return lines;
}

void set_body(CurlEasy& easy, TransferState& state) {
    easy.set_function(CURLOPT_READFUNCTION, on_read);
    easy.set_pointer(CURLOPT_READDATA, &state);
    easy.set_function(CURLOPT_SEEKFUNCTION, on_seek);
    easy.set_pointer(CURLOPT_SEEKDATA, &state);
}

// The method, and where its body comes from. Every body is read through on_read, from the string
// or with pread from the descriptor.
void set_method(CurlEasy& easy, TransferState& state) {
    const std::string& method = state.request.method;
    auto size = static_cast<curl_off_t>(state.body_size);
    if (method == "GET") {
        easy.set_number(CURLOPT_HTTPGET, 1);
    } else if (method == "HEAD") {
        easy.set_number(CURLOPT_NOBODY, 1);
    } else if (method == "DELETE") {
        easy.set_text(CURLOPT_CUSTOMREQUEST, "DELETE");
    } else if (method == "PUT") {
        easy.set_number(CURLOPT_UPLOAD, 1);
        easy.set_size(CURLOPT_INFILESIZE_LARGE, size);
        set_body(easy, state);
    } else {  // POST or PATCH, checked by perform_transfer
        easy.set_number(CURLOPT_POST, 1);
        easy.set_size(CURLOPT_POSTFIELDSIZE_LARGE, size);
        set_body(easy, state);
        // libcurl keeps a custom method on redirects (a POST would become a GET after a 302).
        if (method == "PATCH") easy.set_text(CURLOPT_CUSTOMREQUEST, "PATCH");
    }
}

bool starts_with_https(std::string_view url) { return ascii_lower_case(url.substr(0, 8)) == "https://"; }

}  // namespace

TransferOutcome perform_transfer(CurlEasy& easy, const ClientOptions& options, const Request& request) {
    const std::string& method = request.method;
    bool with_body = method == "PUT" || method == "POST" || method == "PATCH";
    if (!with_body && method != "GET" && method != "HEAD" && method != "DELETE")
        throw Error(ExitCode::software, "HTTP method " + quoted_printable(method) + " is not one hpc sends");
    if (!with_body && (!request.body.empty() || request.body_fd >= 0))
        throw Error(ExitCode::software, "a " + method + " request with a body, to " + printable(request.url));

    TransferOutcome outcome;
    TransferState state{easy, request, outcome, HeaderLines(max_header_bytes),
                        request.body_fd >= 0 ? request.body_size : request.body.size()};
    CurlHeaderList headers(easy.curl(), header_lines(request, with_body));
    char error_text[CURL_ERROR_SIZE] = "";

    easy.reset();
    easy.set_text(CURLOPT_URL, request.url.c_str());
    easy.set_text(CURLOPT_PROTOCOLS_STR, "http,https");
    // Never from https to http: a redirect may not drop the TLS the request was sent with.
    easy.set_text(CURLOPT_REDIR_PROTOCOLS_STR, starts_with_https(request.url) ? "https" : "http,https");
    easy.set_number(CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1 : 0);
    easy.set_number(CURLOPT_MAXREDIRS, 5);
    // CURLOPT_UNRESTRICTED_AUTH stays off: libcurl (since 7.58) sends our own Authorization
    // header to the host it was given for, not to another a redirect leads to (a registry's
    // token must not reach the CDN that serves its blobs).
    easy.set_number(CURLOPT_NOSIGNAL, 1);  // no SIGALRM for DNS timeouts: hpc has threads
    easy.set_number(CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
    easy.set_number(CURLOPT_LOW_SPEED_LIMIT, 1);
    easy.set_number(CURLOPT_LOW_SPEED_TIME, options.low_speed_seconds);
    easy.set_text(CURLOPT_USERAGENT, options.user_agent.c_str());
    if (!options.ca_file.empty()) easy.set_text(CURLOPT_CAINFO, options.ca_file.c_str());
    if (!options.ca_directory.empty()) easy.set_text(CURLOPT_CAPATH, options.ca_directory.c_str());
    easy.set_number(CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1 : 0);
    easy.set_number(CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2 : 0);
    // No CURLOPT_ACCEPT_ENCODING: bodies come as the server stores them, the bytes their digests
    // are of. The proxy is libcurl's default, from https_proxy, http_proxy and no_proxy.
    easy.set_pointer(CURLOPT_ERRORBUFFER, error_text);
    easy.set_pointer(CURLOPT_HTTPHEADER, headers.get());
    easy.set_function(CURLOPT_HEADERFUNCTION, on_header);
    easy.set_pointer(CURLOPT_HEADERDATA, &state);
    easy.set_function(CURLOPT_WRITEFUNCTION, on_body);
    easy.set_pointer(CURLOPT_WRITEDATA, &state);
    set_method(easy, state);

    outcome.code = easy.curl().easy_perform(easy.get());
    if (outcome.code != CURLE_OK)
        outcome.message = error_text[0] ? error_text : easy.curl().easy_strerror(outcome.code);
    outcome.response.status = easy.info_number(CURLINFO_RESPONSE_CODE);
    outcome.connected = easy.info_size(CURLINFO_CONNECT_TIME_T) > 0;
    outcome.response.url = easy.info_text(CURLINFO_EFFECTIVE_URL);
    outcome.response.headers = std::move(state.headers.fields());
    return outcome;
}

}  // namespace hpc::http
