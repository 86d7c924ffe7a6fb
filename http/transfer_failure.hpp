// What a transfer libcurl gave up on was, in the words of send's error, and whether trying
// again may help.
#pragma once

#include "common/error.hpp"

#include <curl/curl.h>

#include <string_view>

namespace hpc::http {

struct TransferFailure {
    bool transient;     // a refused or broken connection, a timeout: worth another try
    ExitCode exit_code;
    std::string_view what;  // "cannot connect", "TLS", ...: the phrase before libcurl's message
};

// `code` from curl_easy_perform, other than CURLE_OK; `answered` when a response had begun.
TransferFailure classify_failure(CURLcode code, bool answered);

}  // namespace hpc::http
