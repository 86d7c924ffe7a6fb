#include "http/curl_easy.hpp"

#include "common/error.hpp"

#include <new>

namespace hpc::http {

CurlEasy::CurlEasy() : curl_(curl_library()), handle_(curl_.easy_init()) {
    if (!handle_) throw Error(ExitCode::unavailable, std::string(curl_.file_name) + ": curl_easy_init failed");
}

CurlEasy::~CurlEasy() { curl_.easy_cleanup(handle_); }

void CurlEasy::reset() { curl_.easy_reset(handle_); }

void CurlEasy::set_number(CURLoption option, long value) { check(option, curl_.easy_setopt(handle_, option, value)); }

void CurlEasy::set_size(CURLoption option, curl_off_t value) {
    check(option, curl_.easy_setopt(handle_, option, value));
}

void CurlEasy::set_text(CURLoption option, const char* value) {
    check(option, curl_.easy_setopt(handle_, option, value));
}

void CurlEasy::set_pointer(CURLoption option, void* value) { check(option, curl_.easy_setopt(handle_, option, value)); }

long CurlEasy::info_number(CURLINFO info) const {
    long value = 0;
    return curl_.easy_getinfo(handle_, info, &value) == CURLE_OK ? value : 0;
}

curl_off_t CurlEasy::info_size(CURLINFO info) const {
    curl_off_t value = 0;
    return curl_.easy_getinfo(handle_, info, &value) == CURLE_OK ? value : 0;
}

std::string CurlEasy::info_text(CURLINFO info) const {
    const char* value = nullptr;
    return curl_.easy_getinfo(handle_, info, &value) == CURLE_OK && value ? value : "";
}

void CurlEasy::check(CURLoption option, CURLcode code) const {
    // Every option hpc sets exists since 7.85, which curl_library checked: a refusal is a bug
    // in hpc or a libcurl built without a feature (HTTPS).
    if (code != CURLE_OK)
        throw Error(ExitCode::software, std::string(curl_.file_name) + " " + curl_.version + " refused option " +
                                            std::to_string(option) + ": " + curl_.easy_strerror(code));
}

CurlHeaderList::CurlHeaderList(const CurlLibrary& curl, const std::vector<std::string>& lines) : curl_(curl) {
    for (const std::string& line : lines) {
        curl_slist* longer = curl_.slist_append(list_, line.c_str());
        if (!longer) {
            curl_.slist_free_all(list_);
            throw std::bad_alloc();
        }
        list_ = longer;
    }
}

CurlHeaderList::~CurlHeaderList() { curl_.slist_free_all(list_); }

}  // namespace hpc::http
