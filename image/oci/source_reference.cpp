// SOURCE as Apptainer and containers/image write it: TRANSPORT:PATH[:TAG], split at the first
// ':' after the transport (a path may hold no ':'). hpc adds PATH@DIGEST for the two layout
// transports, to name one manifest or index of the layout.
#include "image/oci/oci_image.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "image/oci/digest_text.hpp"
#include "common/printable.hpp"

#include <algorithm>
#include <array>

namespace hpc::image::oci {
namespace {

struct TransportName {
    std::string_view name;
    Transport transport;
};

constexpr std::array<TransportName, 3> transports{{
    {"oci", Transport::oci_layout},
    {"oci-archive", Transport::oci_archive},
    {"docker-archive", Transport::docker_archive},
}};

const TransportName* transport_of(std::string_view source) {
    for (const TransportName& entry : transports)
        if (source.size() > entry.name.size() && source.starts_with(entry.name) && source[entry.name.size()] == ':')
            return &entry;
    return nullptr;
}

[[noreturn]] void malformed(std::string_view source, const std::string& cause) {
    throw Error(ExitCode::usage, quoted_printable(source) + ": " + cause);
}

bool is_algorithm_word(std::string_view word) {
    return !word.empty() && std::all_of(word.begin(), word.end(),
                                        [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// "PATH@ALG:HEX": an '@' before the first ':' followed by an algorithm's name. A path with an
// '@' of its own ("/data/me@host/layout:tag") is told apart by what follows it.
bool split_digest_reference(std::string_view rest, SourceReference& reference) {
    std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return false;
    std::size_t at = rest.rfind('@', colon);
    if (at == std::string_view::npos || !is_algorithm_word(rest.substr(at + 1, colon - at - 1))) return false;
    reference.path = rest.substr(0, at);
    reference.digest = rest.substr(at + 1);
    return true;
}

}  // namespace

bool is_oci_source(std::string_view source) { return transport_of(source) != nullptr; }

bool is_oci_agent(std::string_view agent) {
    return std::any_of(transports.begin(), transports.end(),
                       [&](const TransportName& entry) { return entry.name == agent; });
}

SourceReference parse_source(std::string_view source) {
    const TransportName* transport = transport_of(source);
    if (!transport) malformed(source, "not an oci:, oci-archive: or docker-archive: source");
    SourceReference reference;
    reference.transport = transport->transport;
    reference.text = source;
    std::string_view rest = source.substr(transport->name.size() + 1);

    bool layout = reference.transport != Transport::docker_archive;
    if (!(layout && split_digest_reference(rest, reference))) {
        std::size_t colon = rest.find(':');
        reference.path = rest.substr(0, colon);
        if (colon != std::string_view::npos) {
            reference.tag = rest.substr(colon + 1);
            if (reference.tag.empty()) malformed(source, "nothing after the ':' that ends the path");
        }
    }
    if (reference.path.empty()) malformed(source, "no path");
    if (!reference.digest.empty() && !is_valid_digest(reference.digest))
        malformed(source, quoted_printable(reference.digest) + " is not sha256:<64 lower-case hex> or sha512:<128>");
    if (!layout && reference.tag.starts_with('@')) {
        std::string_view number = std::string_view(reference.tag).substr(1);
        if (number.empty() || !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
            malformed(source,
                      quoted_printable(reference.tag) + " is neither NAME:TAG nor @N (an image's place in manifest.json)");
    }
    return reference;
}

SourceReference parse_bootstrap(std::string_view agent, std::string_view from) {
    if (!is_oci_agent(agent))
        throw Error(ExitCode::usage, "Bootstrap: " + quoted_printable(agent) + " is not oci, oci-archive or docker-archive");
    from = trim(from);
    if (from.empty()) throw Error(ExitCode::usage, "Bootstrap: " + std::string(agent) + ": From: is empty");
    return parse_source(std::string(agent) + ":" + std::string(from));
}

}  // namespace hpc::image::oci
