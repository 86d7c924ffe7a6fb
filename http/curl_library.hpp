// libcurl, loaded at run time: the functions http/ calls, resolved once per process.
//
// hpc links no shared library but libc, and its start-up is measured (about 17 ms): linked,
// libcurl.so and the 31 libraries it brings cost every launch about 5 ms, for a library only
// registries need. So it is loaded with dlopen, the first time a registry is used, as
// sandbox/run/read_subordinate_ids.cpp loads libsubid. <curl/curl.h> gives the types and the
// constants alone; nothing of libcurl is linked. Included by http/'s own sources only.
#pragma once

#include <curl/curl.h>

#include <initializer_list>

namespace hpc::http {

// The functions of libcurl's ABI 4 that http/ uses, each typed as curl.h declares it.
struct CurlLibrary {
    const char* file_name;  // the library loaded: "libcurl.so.4" or "libcurl-gnutls.so.4"
    const char* version;    // libcurl's, as curl_version_info says it ("7.88.1")
    decltype(&::curl_easy_init) easy_init;
    decltype(&::curl_easy_cleanup) easy_cleanup;
    decltype(&::curl_easy_reset) easy_reset;
    decltype(&::curl_easy_setopt) easy_setopt;
    decltype(&::curl_easy_perform) easy_perform;
    decltype(&::curl_easy_getinfo) easy_getinfo;
    decltype(&::curl_easy_strerror) easy_strerror;
    decltype(&::curl_slist_append) slist_append;
    decltype(&::curl_slist_free_all) slist_free_all;
};

// libcurl, loaded and initialised (curl_global_init) by the first call, which is thread-safe;
// it stays loaded for the rest of the process. Debian's libcurl4 (OpenSSL) is tried first, then
// libcurl3-gnutls. Throws hpc::Error(unavailable) "registries need libcurl (Debian's libcurl4):
// <dlerror>" when neither is installed, or names what the one found lacks; a later call tries again.
const CurlLibrary& curl_library();

// What curl_library does once: loads the first of `file_names` that dlopen finds (the error is
// the first's when none is found), resolves the functions and initialises libcurl. For tests
// of a missing library: a second initialisation of a loaded libcurl is not allowed.
CurlLibrary load_curl_library(std::initializer_list<const char*> file_names);

}  // namespace hpc::http
