#include "http/curl_library.hpp"

#include "common/error.hpp"

#include <dlfcn.h>

#include <memory>
#include <string>

namespace hpc::http {
namespace {

// CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR came with 7.85.0.
constexpr unsigned oldest_version = 0x075500;

// `library`'s function `name`, typed as `Function`; a missing one is an unexpected libcurl.
template <typename Function>
void resolve(void* library, const char* file_name, const char* name, Function& function) {
    function = reinterpret_cast<Function>(::dlsym(library, name));
    if (!function)
        throw Error(ExitCode::unavailable, std::string(file_name) + " lacks " + name + " (an unexpected libcurl)");
}

}  // namespace

CurlLibrary load_curl_library(std::initializer_list<const char*> file_names) {
    // RTLD_LOCAL: libcurl's symbols, and those of the TLS library it brings, stay out of the
    // global namespace, where they could meet a library another part of hpc loads.
    CurlLibrary curl{};
    void* library = nullptr;
    std::string first_error;
    for (const char* file_name : file_names) {
        curl.file_name = file_name;
        library = ::dlopen(file_name, RTLD_LAZY | RTLD_LOCAL);
        if (library) break;
        if (first_error.empty()) first_error = ::dlerror();
    }
    if (!library) throw Error(ExitCode::unavailable, "registries need libcurl (Debian's libcurl4): " + first_error);
    // Closed again only when what it offers does not do (below).
    std::unique_ptr<void, int (*)(void*)> unless_kept(library, ::dlclose);
    decltype(&::curl_global_init) global_init = nullptr;
    decltype(&::curl_version_info) version_info = nullptr;
    resolve(library, curl.file_name, "curl_global_init", global_init);
    resolve(library, curl.file_name, "curl_version_info", version_info);
    resolve(library, curl.file_name, "curl_easy_init", curl.easy_init);
    resolve(library, curl.file_name, "curl_easy_cleanup", curl.easy_cleanup);
    resolve(library, curl.file_name, "curl_easy_reset", curl.easy_reset);
    resolve(library, curl.file_name, "curl_easy_setopt", curl.easy_setopt);
    resolve(library, curl.file_name, "curl_easy_perform", curl.easy_perform);
    resolve(library, curl.file_name, "curl_easy_getinfo", curl.easy_getinfo);
    resolve(library, curl.file_name, "curl_easy_strerror", curl.easy_strerror);
    resolve(library, curl.file_name, "curl_slist_append", curl.slist_append);
    resolve(library, curl.file_name, "curl_slist_free_all", curl.slist_free_all);

    const curl_version_info_data* info = version_info(CURLVERSION_NOW);
    curl.version = info && info->version ? info->version : "unknown";
    if (!info || info->version_num < oldest_version)
        throw Error(ExitCode::unavailable,
                    std::string("registries need libcurl 7.85 or later; ") + curl.file_name + " is " + curl.version);
    // Once, before any handle, as libcurl asks of a program (curl_global_init(3)): it sets up
    // the TLS library. Called from the thread-safe initialisation of curl_library's static.
    if (CURLcode code = global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK)
        throw Error(ExitCode::unavailable,
                    std::string(curl.file_name) + ": curl_global_init failed (error " + std::to_string(code) + ")");
    // Kept open for good: its functions are used until the process ends, and curl_global_cleanup
    // at exit would race threads still in a transfer.
    unless_kept.release();
    return curl;
}

const CurlLibrary& curl_library() {
    // Debian's libcurl4 (OpenSSL) first, then libcurl3-gnutls's, the one more systems have.
    static const CurlLibrary curl = load_curl_library({"libcurl.so.4", "libcurl-gnutls.so.4"});
    return curl;
}

}  // namespace hpc::http
