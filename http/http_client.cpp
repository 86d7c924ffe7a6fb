#include "http/http_client.hpp"

#include "common/error.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"
#include "http/curl_easy.hpp"
#include "http/retry_policy.hpp"
#include "http/transfer.hpp"
#include "http/transfer_failure.hpp"

#include <chrono>
#include <thread>

namespace hpc::http {
namespace {

// Before any connection: https always, http only where the options allow it.
void check_scheme(const std::string& url, bool allow_plain_http) {
    std::string scheme = ascii_lower_case(std::string_view(url).substr(0, url.find("://")));
    if (scheme == "https" && url.find("://") != std::string::npos) return;
    if (scheme == "http" && url.find("://") != std::string::npos) {
        if (allow_plain_http) return;
        throw Error(ExitCode::usage, printable(url) + ": plain HTTP is refused (registries are reached over https)");
    }
    throw Error(ExitCode::usage, printable(url) + ": not an http or https URL");
}

// A URL for a message: without its query, which may carry a signature (a CDN's redirect does).
std::string without_query(const std::string& url) { return printable(url.substr(0, url.find_first_of("?#"))); }

// The request's URL, and where a redirect took it if it failed there.
std::string where(const Request& request, const TransferOutcome& outcome) {
    const std::string& reached = outcome.response.url;
    if (reached.empty() || reached == request.url) return printable(request.url);
    return printable(request.url) + " (redirected to " + without_query(reached) + ")";
}

}  // namespace

const std::string* Response::header(std::string_view lower_case_name) const {
    for (const auto& [name, value] : headers)
        if (name == lower_case_name) return &value;
    return nullptr;
}

struct Client::Handle {
    CurlEasy easy;
};

Client::Client(ClientOptions options) : options_(std::move(options)), handle_(std::make_unique<Handle>()) {}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const { return options_; }

Response Client::send(const Request& request) {
    check_scheme(request.url, options_.allow_plain_http);
    for (int attempt = 1;; ++attempt) {
        TransferOutcome outcome = perform_transfer(handle_->easy, options_, request);
        if (outcome.callback_error) std::rethrow_exception(outcome.callback_error);
        if (outcome.body_too_large)
            throw Error(ExitCode::data, where(request, outcome) + ": the response's body is larger than " +
                                            std::to_string(request.max_body) + " bytes");
        if (outcome.headers_too_large)
            throw Error(ExitCode::data, where(request, outcome) + ": the response's header is larger than " +
                                            std::to_string(max_header_bytes >> 10) + " KiB");
        // Once the sink has had bytes, they cannot be taken back: no second try.
        bool last = attempt >= options_.attempts || outcome.sink_used;

        std::optional<double> delay;
        std::string reason;
        if (outcome.code != CURLE_OK && !outcome.body_cut) {
            TransferFailure failure = classify_failure(outcome.code, outcome.connected);
            if (!failure.transient || last)
                throw Error(failure.exit_code,
                            where(request, outcome) + ": " + std::string(failure.what) + ": " +
                                (failure.instead.empty() ? outcome.message : std::string(failure.instead)));
            delay = retry_delay(attempt, options_.first_backoff_seconds, nullptr);
            reason = outcome.message;
        } else {
            const Response& response = outcome.response;
            if (last || !status_is_retried(response.status)) return std::move(outcome.response);
            delay = retry_delay(attempt, options_.first_backoff_seconds, response.header("retry-after"));
            if (!delay) return std::move(outcome.response);
            reason = std::to_string(response.status);
        }
        if (options_.notice)
            options_.notice("retrying " + printable(request.url) + " in " + seconds_text(*delay) + " s (" + reason +
                            ")");
        std::this_thread::sleep_for(std::chrono::duration<double>(*delay));
    }
}

}  // namespace hpc::http
