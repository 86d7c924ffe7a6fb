#include "http/retry_policy.hpp"

#include <cmath>
#include <cstdio>

namespace hpc::http {

bool status_is_retried(long status) {
    return status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
}

std::optional<double> retry_delay(int retry, double first_backoff_seconds, const std::string* retry_after) {
    if (retry_after && !retry_after->empty() && retry_after->size() <= 9 &&
        retry_after->find_first_not_of("0123456789") == std::string::npos) {
        double asked = std::stod(*retry_after);
        if (asked > max_retry_after_seconds) return std::nullopt;
        return asked;
    }
    return std::ldexp(first_backoff_seconds, retry - 1);
}

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

}  // namespace hpc::http
