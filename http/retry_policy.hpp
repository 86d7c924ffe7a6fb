// When Client::send tries a request again, and how long it waits first. Pure, for unit tests.
#pragma once

#include <optional>
#include <string>

namespace hpc::http {

// The longest Retry-After honoured: a server that asks for more is not waited for (send returns
// its answer, which the caller reports), since a command that sits silent for minutes looks hung.
inline constexpr double max_retry_after_seconds = 30;

// Whether a status says the same request may work later: 429 (Too Many Requests) and the 5xx but
// 501 (Not Implemented) and 505 (HTTP Version Not Supported), which will never work.
bool status_is_retried(long status);

// The wait before retry number `retry` (1 for the first): `first_backoff_seconds`, doubled for
// each retry after the first; or, where the answer has a Retry-After of delta-seconds (RFC 9110
// 10.2.3), that. Nothing when the Retry-After asks for more than max_retry_after_seconds. A
// Retry-After in the HTTP-date form, or not understood, is ignored (the back-off is used).
std::optional<double> retry_delay(int retry, double first_backoff_seconds, const std::string* retry_after);

// A delay as the notice says it: "0.5", "2", "30".
std::string seconds_text(double seconds);

}  // namespace hpc::http
