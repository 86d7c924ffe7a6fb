// The reference grammar of github.com/distribution/reference (reference.go's comment, regexp.go)
// and Docker's normalisation (normalize.go: splitDockerDomain), written as a walk over the text
// so that each refusal can say what is wrong, where a regular expression could only say no.
#include "image/registry/registry_reference.hpp"

#include "common/error.hpp"
#include "common/host_port.hpp"
#include "common/printable.hpp"
#include "common/text.hpp"
#include "image/oci/digest_text.hpp"

#include <algorithm>
#include <array>

namespace hpc::image::registry {
namespace {

constexpr std::string_view docker_prefix = "docker://";
constexpr std::string_view oras_prefix = "oras://";
constexpr std::string_view docker_hub = "docker.io";
// distribution/reference's NameTotalLengthMax, the bound on REGISTRY/REPOSITORY.
constexpr size_t max_name_length = 255;
constexpr size_t max_tag_length = 128;

// A source for a message: made printable, and cut so that a hostile one stays one line.
std::string shown(std::string_view text) {
    constexpr size_t limit = 300;
    return printable(text.substr(0, limit)) + (text.size() > limit ? "..." : "");
}

[[noreturn]] void malformed(std::string_view text, const std::string& cause) {
    throw Error(ExitCode::usage, shown(text) + ": " + cause);
}

bool is_lower_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_word(char c) { return is_lower_alphanumeric(c) || is_upper(c) || c == '_'; }

// path-component := [a-z0-9]+ ( ( '.' | '_' | '__' | '-'+ ) [a-z0-9]+ )*
bool is_path_component(std::string_view component) {
    size_t at = 0;
    while (true) {
        size_t start = at;
        while (at < component.size() && is_lower_alphanumeric(component[at])) ++at;
        if (at == start) return false;  // empty, or a separator with no letter or digit before it
        if (at == component.size()) return true;
        size_t separator = at;
        while (at < component.size() && component[at] == '-') ++at;
        bool dashes = at > separator;
        if (!dashes) {
            if (component[at] == '.') {
                ++at;
            } else if (component.substr(at, 2) == "__") {
                at += 2;
            } else if (component[at] == '_') {
                ++at;
            } else {
                return false;
            }
        }
    }
}

void check_repository(std::string_view text, std::string_view repository) {
    if (repository.empty()) malformed(text, "no repository after the registry");
    if (std::any_of(repository.begin(), repository.end(), is_upper))
        malformed(text, "repository " + quoted_printable(repository) + " must be lower-case");
    for (size_t start = 0;;) {
        size_t slash = repository.find('/', start);
        std::string_view component =
            repository.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (component.empty()) malformed(text, "an empty component in repository " + quoted_printable(repository));
        if (!is_path_component(component))
            malformed(text, "repository component " + quoted_printable(component) +
                                ": letters and digits, joined by '.', '_', '__' or '-'");
        if (slash == std::string_view::npos) return;
        start = slash + 1;
    }
}

// tag := [\w][\w.-]{0,127}
void check_tag(std::string_view text, std::string_view tag) {
    if (tag.empty()) malformed(text, "no tag after ':'");
    bool valid = tag.size() <= max_tag_length && is_word(tag.front()) &&
                 std::all_of(tag.begin(), tag.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
    if (!valid)
        malformed(text, "tag " + quoted_printable(tag) +
                            ": letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 128");
}

void check_digest(std::string_view text, std::string_view digest) {
    if (digest.empty()) malformed(text, "no digest after '@'");
    if (!oci::is_valid_digest(digest))
        malformed(text, "digest " + quoted_printable(digest) +
                            ": not sha256: and 64 lower-case hex digits, nor sha512: and 128");
}

// splitDockerDomain: a first component that cannot be a repository's is a registry.
bool names_a_registry(std::string_view first) {
    return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
           std::any_of(first.begin(), first.end(), is_upper);
}

// REST is what follows "docker://" or "oras://"; `text` is what the user wrote, for messages.
RegistryReference parse_reference(Scheme scheme, std::string_view rest, std::string_view text) {
    RegistryReference reference;
    reference.scheme = scheme;
    reference.text = text;
    if (rest.empty()) malformed(text, "no image name");

    std::string_view name = rest;
    if (size_t at = rest.find('@'); at != std::string_view::npos) {
        name = rest.substr(0, at);
        reference.digest = rest.substr(at + 1);
        check_digest(text, reference.digest);
    }
    // A ':' after the last '/' begins the tag; one before it is the registry's port.
    size_t last_slash = name.rfind('/');
    size_t colon = name.find(':', last_slash == std::string_view::npos ? 0 : last_slash + 1);
    if (colon != std::string_view::npos) {
        reference.tag = name.substr(colon + 1);
        check_tag(text, reference.tag);
        name = name.substr(0, colon);
    }
    if (name.empty()) malformed(text, "no image name");

    std::string_view repository = name;
    size_t first_slash = name.find('/');
    if (first_slash != std::string_view::npos && names_a_registry(name.substr(0, first_slash))) {
        std::string_view registry = name.substr(0, first_slash);
        if (auto problem = host_port_problem(registry))
            malformed(text, "registry " + quoted_printable(registry) + ": " + *problem);
        reference.registry = canonical_registry(registry);
        repository = name.substr(first_slash + 1);
    } else if (scheme == Scheme::oras) {
        malformed(text, "oras:// needs a registry (oras://REGISTRY/REPOSITORY[:TAG])");
    } else {
        reference.registry = docker_hub;
    }
    check_repository(text, repository);
    reference.repository = repository;
    // Docker Hub's official images live under "library/" (normalize.go: officialRepoPrefix).
    if (reference.registry == docker_hub && reference.repository.find('/') == std::string::npos)
        reference.repository.insert(0, "library/");
    if (reference.registry.size() + 1 + reference.repository.size() > max_name_length)
        malformed(text, "the name " + reference.registry + "/" + reference.repository + " is longer than " +
                            std::to_string(max_name_length) + " characters");
    if (reference.tag.empty() && reference.digest.empty()) reference.tag = "latest";
    return reference;
}

}  // namespace

std::string RegistryReference::name() const {
    std::string full = registry + "/" + repository;
    if (!tag.empty()) full += ":" + tag;
    if (!digest.empty()) full += "@" + digest;
    return full;
}

bool is_registry_source(std::string_view source) {
    return source.starts_with(docker_prefix) || source.starts_with(oras_prefix);
}

std::string canonical_registry(std::string_view registry) {
    std::string name = ascii_lower_case(registry);
    // Docker's own names for Docker Hub: its v1 index, and its v2 API host.
    if (name == "index.docker.io" || name == "registry-1.docker.io") return std::string(docker_hub);
    return name;
}

RegistryReference parse_registry_source(std::string_view source) {
    if (source.starts_with(docker_prefix))
        return parse_reference(Scheme::docker, source.substr(docker_prefix.size()), source);
    if (source.starts_with(oras_prefix))
        return parse_reference(Scheme::oras, source.substr(oras_prefix.size()), source);
    malformed(source, "not a docker:// or oras:// source");
}

RegistryReference parse_bootstrap_reference(std::string_view agent, std::string_view from, std::string_view registry,
                                            std::string_view namespace_) {
    std::string scheme_name = ascii_lower_case(agent);
    if (scheme_name != "docker" && scheme_name != "oras")
        throw Error(ExitCode::usage, "Bootstrap: " + quoted_printable(agent) + " is not docker or oras");
    Scheme scheme = scheme_name == "docker" ? Scheme::docker : Scheme::oras;
    from = trim(from);
    registry = trim(registry);
    namespace_ = trim(namespace_);
    if (from.empty()) throw Error(ExitCode::usage, "Bootstrap: " + scheme_name + ": From: is empty");
    // Apptainer joins the three with '/' and parses the result as one reference.
    std::string joined(from);
    if (!namespace_.empty()) joined = std::string(namespace_) + "/" + joined;
    if (!registry.empty()) joined = std::string(registry) + "/" + joined;
    std::string text = scheme_name + "://" + joined;
    return parse_reference(scheme, std::string_view(text).substr(scheme_name.size() + 3), text);
}

}  // namespace hpc::image::registry
