// One try of a request: libcurl's handle set up for it, performed, and what came of it, for
// Client::send to judge (retry, throw or return).
#pragma once

#include "http/curl_easy.hpp"
#include "http/http_client.hpp"

#include <exception>
#include <string>

namespace hpc::http {

// The bound on one response's header fields, all lines together.
inline constexpr std::size_t max_header_bytes = 64u << 10;

struct TransferOutcome {
    CURLcode code = CURLE_OK;
    std::string message;                // libcurl's own words for a failure, its detail where it gave one
    Response response;                  // status, final headers, body, effective URL, as far as it came
    bool connected = false;             // a connection to the server was made (the last one tried, after redirects)
    bool sink_used = false;             // the sink was given bytes: the request cannot be tried again
    bool body_too_large = false;        // a 2xx body to keep passed max_body
    bool body_cut = false;              // a non-2xx body passed max_body: its start is kept, the rest not read
    bool headers_too_large = false;     // passed max_header_bytes
    std::exception_ptr callback_error;  // what the sink threw, or the reading of the body
};

// Sets `easy` up for `request` with `options` (every option of the request before set again)
// and performs it. Throws for a request it cannot make (an unknown method, a header line with a
// line break); a failure of the transfer is in the outcome.
TransferOutcome perform_transfer(CurlEasy& easy, const ClientOptions& options, const Request& request);

}  // namespace hpc::http
