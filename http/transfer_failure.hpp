// What a transfer libcurl gave up on was, in the words of send's error, and whether trying
// again may help.
#pragma once

#include "common/error.hpp"

#include <curl/curl.h>

#include <string_view>

namespace hpc::http {

struct TransferFailure {
    bool transient;  // a refused or broken connection, a timeout: worth another try
    ExitCode exit_code;
    std::string_view what;          // "cannot connect", "TLS", ...: the phrase before libcurl's message
    std::string_view instead = {};  // where libcurl's message would mislead: what to say instead
};

// `code` from curl_easy_perform, other than CURLE_OK; `connected` when a connection was made.
TransferFailure classify_failure(CURLcode code, bool connected);

}  // namespace hpc::http
