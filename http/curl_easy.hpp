// One libcurl easy handle, owned, with its options set through typed calls: curl_easy_setopt
// takes its value through varargs, where a long given as an int or a curl_off_t as a long is
// undefined behaviour the compiler does not see. Every setting's refusal is thrown.
#pragma once

#include "http/curl_library.hpp"

#include <string>
#include <vector>

namespace hpc::http {

class CurlEasy {
public:
    // A new handle of the loaded libcurl; throws hpc::Error(unavailable) as curl_library does.
    CurlEasy();
    ~CurlEasy();
    CurlEasy(const CurlEasy&) = delete;
    CurlEasy& operator=(const CurlEasy&) = delete;

    const CurlLibrary& curl() const { return curl_; }
    CURL* get() const { return handle_; }

    // Every option back to its default; the connections, the DNS and TLS session caches are
    // kept (curl_easy_reset(3)), so the next request to the host reuses them.
    void reset();

    void set_number(CURLoption option, long value);
    void set_size(CURLoption option, curl_off_t value);
    void set_text(CURLoption option, const char* value);  // copied by libcurl but for CURLOPT_ERRORBUFFER
    void set_pointer(CURLoption option, void* value);
    template <typename Function>
    void set_function(CURLoption option, Function* function) {
        check(option, curl_.easy_setopt(handle_, option, function));
    }

    long info_number(CURLINFO info) const;
    curl_off_t info_size(CURLINFO info) const;
    std::string info_text(CURLINFO info) const;  // "" where libcurl has none

private:
    void check(CURLoption option, CURLcode code) const;

    const CurlLibrary& curl_;
    CURL* handle_;
};

// A list of header lines for CURLOPT_HTTPHEADER, owned; it must outlive the transfer.
class CurlHeaderList {
public:
    CurlHeaderList(const CurlLibrary& curl, const std::vector<std::string>& lines);
    ~CurlHeaderList();
    CurlHeaderList(const CurlHeaderList&) = delete;
    CurlHeaderList& operator=(const CurlHeaderList&) = delete;

    curl_slist* get() const { return list_; }

private:
    const CurlLibrary& curl_;
    curl_slist* list_ = nullptr;
};

}  // namespace hpc::http
