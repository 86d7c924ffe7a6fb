#include "http/transfer_failure.hpp"

namespace hpc::http {

TransferFailure classify_failure(CURLcode code, bool connected) {
    switch (code) {
    // A name that does not resolve is not tried again: most often a mistyped registry, and a
    // resolver that fails for a moment has retried on its own.
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return {false, ExitCode::unavailable, "cannot connect"};
    case CURLE_COULDNT_CONNECT: return {true, ExitCode::unavailable, "cannot connect"};
    case CURLE_OPERATION_TIMEDOUT:
        return {true, ExitCode::unavailable, connected ? "connection failed" : "cannot connect"};
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return {true, ExitCode::unavailable, "connection failed"};
    // Not tried again: a certificate that fails now fails the next time too.
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED: return {false, ExitCode::unavailable, "TLS"};
    case CURLE_TOO_MANY_REDIRECTS: return {false, ExitCode::data, "too many redirects"};
    // The scheme was checked before: what libcurl refuses now is where a redirect led (ftp:,
    // or http: from https).
    case CURLE_UNSUPPORTED_PROTOCOL:
        return {false, ExitCode::data, "redirect refused",
                "redirects are followed to https, and to http from http alone"};
    case CURLE_URL_MALFORMAT: return {false, ExitCode::usage, "not a valid URL"};
    default: return {false, ExitCode::unavailable, "failed"};
    }
}

}  // namespace hpc::http
