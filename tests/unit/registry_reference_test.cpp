#include "image/registry/registry_reference.hpp"

#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <string>

using hpc::ExitCode;
using hpc::image::registry::default_pull_name;
using hpc::image::registry::Endpoint;
using hpc::image::registry::is_registry_source;
using hpc::image::registry::parse_bootstrap_reference;
using hpc::image::registry::parse_registry_source;
using hpc::image::registry::RegistryReference;
using hpc::image::registry::resolve_endpoint;
using hpc::image::registry::Scheme;

namespace {

const std::string sha256 = "sha256:" + std::string(64, 'a');
const std::string sha512 = "sha512:" + std::string(128, '0');

// The canonical name of a source, which says registry, repository, tag and digest at once.
std::string name_of(std::string_view source) { return parse_registry_source(source).name(); }

std::string refusal(std::string_view source) {
    return hpc::test::error_message([&] { parse_registry_source(source); }, ExitCode::usage);
}

}  // namespace

TEST_CASE("registry reference: docker:// and oras:// are registry sources, nothing else", "[registry]") {
    CHECK(is_registry_source("docker://alpine"));
    CHECK(is_registry_source("oras://ghcr.io/lab/app"));
    CHECK_FALSE(is_registry_source("docker:alpine"));
    CHECK_FALSE(is_registry_source("docker-archive:alpine.tar"));
    CHECK_FALSE(is_registry_source("oci:layout"));
    CHECK_FALSE(is_registry_source("library://alpine"));
    CHECK_FALSE(is_registry_source("alpine.sif"));
    CHECK(refusal("library://alpine") == "library://alpine: not a docker:// or oras:// source");
}

TEST_CASE("registry reference: Docker Hub's short names, as Docker normalises them", "[registry]") {
    RegistryReference alpine = parse_registry_source("docker://alpine");
    CHECK(alpine.scheme == Scheme::docker);
    CHECK(alpine.registry == "docker.io");
    CHECK(alpine.repository == "library/alpine");
    CHECK(alpine.tag == "latest");
    CHECK(alpine.digest.empty());
    CHECK(alpine.text == "docker://alpine");
    CHECK(alpine.name() == "docker.io/library/alpine:latest");

    CHECK(name_of("docker://alpine:3.20") == "docker.io/library/alpine:3.20");
    CHECK(name_of("docker://library/alpine") == "docker.io/library/alpine:latest");
    CHECK(name_of("docker://sylabsio/lolcow") == "docker.io/sylabsio/lolcow:latest");
    CHECK(name_of("docker://docker.io/alpine") == "docker.io/library/alpine:latest");
    CHECK(name_of("docker://index.docker.io/alpine:edge") == "docker.io/library/alpine:edge");
    CHECK(name_of("docker://registry-1.docker.io/bitnami/redis") == "docker.io/bitnami/redis:latest");
    CHECK(name_of("docker://Docker.IO/alpine") == "docker.io/library/alpine:latest");
    // A first component without '.', ':' or upper case, and not localhost, is Docker Hub's namespace.
    CHECK(name_of("docker://myhost/app") == "docker.io/myhost/app:latest");
    CHECK(name_of("docker://a/b/c/d") == "docker.io/a/b/c/d:latest");
    // "ghcr.io" alone is a repository of Docker Hub, as Docker reads it.
    CHECK(name_of("docker://ghcr.io") == "docker.io/library/ghcr.io:latest");
}

TEST_CASE("registry reference: other registries, ports, localhost, IP addresses", "[registry]") {
    RegistryReference app = parse_registry_source("docker://ghcr.io/lab/app:v1.2");
    CHECK(app.registry == "ghcr.io");
    CHECK(app.repository == "lab/app");
    CHECK(app.tag == "v1.2");
    CHECK(name_of("docker://quay.io/centos") == "quay.io/centos:latest");  // no library/ outside Docker Hub
    CHECK(name_of("docker://localhost/app") == "localhost/app:latest");
    CHECK(name_of("docker://localhost:5000/app:1") == "localhost:5000/app:1");
    CHECK(name_of("docker://127.0.0.1:5000/lab/app") == "127.0.0.1:5000/lab/app:latest");
    CHECK(name_of("docker://[::1]:5000/app") == "[::1]:5000/app:latest");
    CHECK(name_of("docker://GHCR.io/lab/app") == "ghcr.io/lab/app:latest");
    // An upper-case first component is a registry (distribution's splitDockerDomain).
    CHECK(name_of("docker://Myhost/app") == "myhost/app:latest");
    // "localhost:5000" alone is Docker Hub's "localhost" at tag 5000, as Docker reads it.
    CHECK(name_of("docker://localhost:5000") == "docker.io/library/localhost:5000");
    // Separators of the grammar.
    CHECK(name_of("docker://ghcr.io/a.b/c_d/e__f/g-h/i---j") == "ghcr.io/a.b/c_d/e__f/g-h/i---j:latest");
}

TEST_CASE("registry reference: digests, and a tag with a digest", "[registry]") {
    RegistryReference pinned = parse_registry_source("docker://alpine@" + sha256);
    CHECK(pinned.tag.empty());
    CHECK(pinned.digest == sha256);
    CHECK(pinned.name() == "docker.io/library/alpine@" + sha256);
    RegistryReference both = parse_registry_source("docker://ghcr.io/lab/app:v1@" + sha256);
    CHECK(both.tag == "v1");
    CHECK(both.digest == sha256);
    CHECK(both.name() == "ghcr.io/lab/app:v1@" + sha256);
    CHECK(name_of("docker://localhost:5000/app@" + sha512) == "localhost:5000/app@" + sha512);

    CHECK(refusal("docker://alpine@") == "docker://alpine@: no digest after '@'");
    CHECK(refusal("docker://alpine@sha256:abc") ==
          "docker://alpine@sha256:abc: digest 'sha256:abc': not sha256: and 64 lower-case hex digits, nor sha512: and "
          "128");
    CHECK(refusal("docker://alpine@md5:" + std::string(32, 'a'))
              .ends_with(": not sha256: and 64 lower-case hex digits, nor sha512: and 128"));
    CHECK(refusal("docker://alpine@SHA256:" + std::string(64, 'a')).find("digest 'SHA256:") != std::string::npos);
    CHECK(refusal("docker://alpine@sha256:" + std::string(64, 'A')).find("not sha256:") != std::string::npos);
    CHECK(refusal("docker://alpine@" + sha256 + "@" + sha256).find("digest 'sha256:") != std::string::npos);
}

TEST_CASE("registry reference: oras:// needs a registry", "[registry]") {
    RegistryReference app = parse_registry_source("oras://ghcr.io/lab/app:v1");
    CHECK(app.scheme == Scheme::oras);
    CHECK(app.name() == "ghcr.io/lab/app:v1");
    CHECK(name_of("oras://localhost:5000/app") == "localhost:5000/app:latest");
    CHECK(name_of("oras://docker.io/lab/app") == "docker.io/lab/app:latest");
    CHECK(refusal("oras://app") == "oras://app: oras:// needs a registry (oras://REGISTRY/REPOSITORY[:TAG])");
    CHECK(refusal("oras://lab/app:v1") ==
          "oras://lab/app:v1: oras:// needs a registry (oras://REGISTRY/REPOSITORY[:TAG])");
}

TEST_CASE("registry reference: repositories are lower-case components joined by separators", "[registry]") {
    CHECK(refusal("docker://Alpine") == "docker://Alpine: repository 'Alpine' must be lower-case");
    CHECK(refusal("docker://ghcr.io/Lab/app") == "docker://ghcr.io/Lab/app: repository 'Lab/app' must be lower-case");
    CHECK(refusal("docker://ghcr.io/lab//app") ==
          "docker://ghcr.io/lab//app: an empty component in repository 'lab//app'");
    CHECK(refusal("docker://ghcr.io/lab/") == "docker://ghcr.io/lab/: an empty component in repository 'lab/'");
    CHECK(refusal("docker:///alpine") == "docker:///alpine: an empty component in repository '/alpine'");
    CHECK(refusal("docker://ghcr.io/") == "docker://ghcr.io/: no repository after the registry");
    for (const char* bad : {"a..b", "a._b", "_a", "a_", "a-", "-a", ".a", "a___b", "a b", "a+b", "a.-b"}) {
        INFO(bad);
        CHECK(refusal(std::string("docker://ghcr.io/lab/") + bad) ==
              std::string("docker://ghcr.io/lab/") + bad + ": repository component '" + bad +
                  "': letters and digits, joined by '.', '_', '__' or '-'");
    }
}

TEST_CASE("registry reference: tags", "[registry]") {
    CHECK(parse_registry_source("docker://alpine:_x").tag == "_x");
    CHECK(parse_registry_source("docker://alpine:3.20-RC_1").tag == "3.20-RC_1");
    CHECK(parse_registry_source("docker://alpine:" + std::string(128, 'x')).tag.size() == 128);
    const std::string rule = "': letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 128";
    CHECK(refusal("docker://alpine:") == "docker://alpine:: no tag after ':'");
    CHECK(refusal("docker://alpine:.x") == "docker://alpine:.x: tag '.x" + rule);
    CHECK(refusal("docker://alpine:-x") == "docker://alpine:-x: tag '-x" + rule);
    CHECK(refusal("docker://alpine:a+b") == "docker://alpine:a+b: tag 'a+b" + rule);
    CHECK(refusal("docker://alpine:1:2") == "docker://alpine:1:2: tag '1:2" + rule);
    CHECK(refusal("docker://alpine:" + std::string(129, 'x')).find("at most 128") != std::string::npos);
}

TEST_CASE("registry reference: empty parts, bad registries, the length bound, hostile text", "[registry]") {
    CHECK(refusal("docker://") == "docker://: no image name");
    CHECK(refusal("oras://") == "oras://: no image name");
    CHECK(refusal("docker://:latest") == "docker://:latest: no image name");
    CHECK(refusal("docker://@" + sha256) == "docker://@" + sha256 + ": no image name");
    CHECK(refusal("docker://ghcr..io/app") == "docker://ghcr..io/app: registry 'ghcr..io': an empty name component");
    CHECK(refusal("docker://localhost:0/app") ==
          "docker://localhost:0/app: registry 'localhost:0': port '0' is not a number from 1 to 65535");
    CHECK(refusal("docker://localhost:/app") ==
          "docker://localhost:/app: registry 'localhost:': port '' is not a number from 1 to 65535");
    CHECK(refusal("docker://my_host.org/app") ==
          "docker://my_host.org/app: registry 'my_host.org': '_' in the host name");
    // 255 characters of REGISTRY/REPOSITORY at most, counted as Docker counts them (after library/).
    std::string longest(255 - std::string("ghcr.io/").size(), 'a');
    CHECK(name_of("docker://ghcr.io/" + longest) == "ghcr.io/" + longest + ":latest");
    CHECK(refusal("docker://ghcr.io/" + longest + "a").ends_with(" is longer than 255 characters"));
    std::string hub(255 - std::string("docker.io/library/").size(), 'b');
    CHECK_NOTHROW(parse_registry_source("docker://" + hub));
    CHECK(refusal("docker://" + hub + "b").ends_with(" is longer than 255 characters"));
    // Control characters are shown escaped, and a long source is cut.
    CHECK(refusal("docker://al\npine") ==
          "docker://al\\x0apine: repository component 'al\\x0apine': letters and "
          "digits, joined by '.', '_', '__' or '-'");
    CHECK(refusal("docker://" + std::string(5000, 'A')).size() < 1000);
}

TEST_CASE("registry reference: Bootstrap: docker with Registry: and Namespace:, as Apptainer joins them",
          "[registry]") {
    CHECK(parse_bootstrap_reference("docker", "alpine:3.20", "", "").name() == "docker.io/library/alpine:3.20");
    CHECK(parse_bootstrap_reference("docker", "alpine", "", "").text == "docker://alpine");
    CHECK(parse_bootstrap_reference("Docker", " ubuntu:22.04 ", "", "").name() == "docker.io/library/ubuntu:22.04");
    CHECK(parse_bootstrap_reference("docker", "centos:7", "quay.io", "").name() == "quay.io/centos:7");
    CHECK(parse_bootstrap_reference("docker", "app:1", "localhost:5000", "lab").name() == "localhost:5000/lab/app:1");
    CHECK(parse_bootstrap_reference("docker", "app:1", "localhost:5000", "lab").text ==
          "docker://localhost:5000/lab/app:1");
    CHECK(parse_bootstrap_reference("docker", "lolcow", "", "sylabsio").name() == "docker.io/sylabsio/lolcow:latest");
    CHECK(parse_bootstrap_reference("docker", "alpine", "", "library").name() == "docker.io/library/alpine:latest");
    CHECK(parse_bootstrap_reference("docker", "alpine", "docker.io", "").name() == "docker.io/library/alpine:latest");
    CHECK(parse_bootstrap_reference("docker", "ghcr.io/lab/app", "", "").name() == "ghcr.io/lab/app:latest");
    CHECK(parse_bootstrap_reference("docker", "alpine@" + sha256, "", "").name() ==
          "docker.io/library/alpine@" + sha256);
    RegistryReference oras = parse_bootstrap_reference("oras", "app:v1", "ghcr.io", "lab");
    CHECK(oras.scheme == Scheme::oras);
    CHECK(oras.name() == "ghcr.io/lab/app:v1");
    CHECK(oras.text == "oras://ghcr.io/lab/app:v1");

    auto bootstrap_refusal = [](std::string_view agent, std::string_view from, std::string_view registry,
                                std::string_view namespace_) {
        return hpc::test::error_message([&] { parse_bootstrap_reference(agent, from, registry, namespace_); },
                                        ExitCode::usage);
    };
    CHECK(bootstrap_refusal("docker", " ", "", "") == "Bootstrap: docker: From: is empty");
    CHECK(bootstrap_refusal("library", "alpine", "", "") == "Bootstrap: 'library' is not docker or oras");
    CHECK(bootstrap_refusal("oras", "app", "", "") ==
          "oras://app: oras:// needs a registry (oras://REGISTRY/REPOSITORY[:TAG])");
    CHECK(bootstrap_refusal("docker", "Alpine", "quay.io", "") ==
          "docker://quay.io/Alpine: repository 'Alpine' must be lower-case");
    CHECK(bootstrap_refusal("docker", "app", "https://quay.io", "") ==
          "docker://https://quay.io/app: registry 'https:': port '' is not a number from 1 to 65535");
}

TEST_CASE("registry reference: pull's default file name is Apptainer's", "[registry]") {
    auto pull_name = [](std::string_view source) { return default_pull_name(parse_registry_source(source)); };
    // internal/pkg/util/uri/uri_test.go's cases.
    CHECK(pull_name("docker://ubuntu") == "ubuntu_latest.sif");
    CHECK(pull_name("docker://user/image") == "image_latest.sif");
    CHECK(pull_name("docker://sylabs.io/lolcow") == "lolcow_latest.sif");
    CHECK(pull_name("docker://sylabs.io/lolcow:3.7") == "lolcow_3.7.sif");
    CHECK(pull_name("docker://python:3.12") == "python_3.12.sif");
    CHECK(pull_name("docker://localhost:5000/lab/app:v1") == "app_v1.sif");
    CHECK(pull_name("oras://ghcr.io/lab/app:v2") == "app_v2.sif");
    // Apptainer splits at ':' without knowing digests; its names are kept.
    CHECK(pull_name("docker://alpine@" + sha256) == "alpine@sha256_" + std::string(64, 'a') + ".sif");
    CHECK(pull_name("docker://alpine:3.20@" + sha256) == "alpine_3.20@sha256.sif");
}

TEST_CASE("registry reference: the endpoint after the site's mirrors", "[registry]") {
    hpc::site::OciPolicy policy;
    CHECK(resolve_endpoint(parse_registry_source("docker://alpine"), policy) ==
          Endpoint{"registry-1.docker.io", false});
    CHECK(resolve_endpoint(parse_registry_source("docker://ghcr.io/lab/app"), policy) == Endpoint{"ghcr.io", false});
    CHECK(resolve_endpoint(parse_registry_source("docker://localhost:5000/app"), policy) ==
          Endpoint{"localhost:5000", false});
    policy.mirrors = {{"docker.io", "mirror.site.org:5000"}, {"quay.io", "quay.site.org"}};
    CHECK(resolve_endpoint(parse_registry_source("docker://alpine"), policy) == Endpoint{"mirror.site.org:5000", true});
    CHECK(resolve_endpoint(parse_registry_source("docker://index.docker.io/lab/app"), policy) ==
          Endpoint{"mirror.site.org:5000", true});
    CHECK(resolve_endpoint(parse_registry_source("oras://quay.io/lab/app"), policy) == Endpoint{"quay.site.org", true});
    CHECK(resolve_endpoint(parse_registry_source("docker://ghcr.io/lab/app"), policy) == Endpoint{"ghcr.io", false});
    // Policy names are compared canonical: Docker Hub's aliases are docker.io.
    policy.mirrors = {{"index.docker.io", "hub.site.org"}};
    CHECK(resolve_endpoint(parse_registry_source("docker://alpine"), policy) == Endpoint{"hub.site.org", true});
}

TEST_CASE("registry reference: the site's allow and deny", "[registry]") {
    hpc::site::OciPolicy policy;
    auto denial = [&](std::string_view source) {
        return hpc::test::error_message(
            [&] { resolve_endpoint(parse_registry_source(source), policy, "/etc/hpc/hpc.toml"); }, ExitCode::denied);
    };
    policy.deny = {"evil.org", "registry-1.docker.io"};
    CHECK(denial("docker://evil.org/x/y") ==
          "docker://evil.org/x/y: registry evil.org is not allowed by the site ([oci] deny in /etc/hpc/hpc.toml)");
    CHECK(denial("docker://alpine") ==
          "docker://alpine: registry docker.io is not allowed by the site ([oci] deny in /etc/hpc/hpc.toml)");
    CHECK_NOTHROW(resolve_endpoint(parse_registry_source("docker://ghcr.io/lab/app"), policy));

    policy.deny = {"ghcr.io"};
    policy.allow = {"docker.io", "ghcr.io", "localhost:5000"};
    CHECK(resolve_endpoint(parse_registry_source("docker://alpine"), policy).host == "registry-1.docker.io");
    CHECK(resolve_endpoint(parse_registry_source("docker://localhost:5000/app"), policy).host == "localhost:5000");
    // deny wins over allow; a registry allow does not list is refused, another port of it too.
    CHECK(denial("oras://ghcr.io/lab/app") ==
          "oras://ghcr.io/lab/app: registry ghcr.io is not allowed by the site ([oci] deny in /etc/hpc/hpc.toml)");
    CHECK(denial("docker://quay.io/x") ==
          "docker://quay.io/x: registry quay.io is not allowed by the site ([oci] allow in /etc/hpc/hpc.toml)");
    CHECK(denial("docker://localhost:5001/app") ==
          "docker://localhost:5001/app: registry localhost:5001 is not allowed by the site ([oci] allow in "
          "/etc/hpc/hpc.toml)");
    // The registry is judged, not its mirror.
    policy.allow = {"docker.io"};
    policy.deny = {"mirror.site.org"};
    policy.mirrors = {{"docker.io", "mirror.site.org"}};
    CHECK(resolve_endpoint(parse_registry_source("docker://alpine"), policy) == Endpoint{"mirror.site.org", true});
    // Without a path, the message names the installed site config.
    policy.allow = {"ghcr.io"};
    CHECK(hpc::test::error_message([&] { resolve_endpoint(parse_registry_source("docker://alpine"), policy); },
                                   ExitCode::denied)
              .ends_with("([oci] allow in " + hpc::site::site_config_path() + ")"));
    // A reference made by hand, with no text, is named by its name.
    RegistryReference by_hand;
    by_hand.registry = "quay.io";
    by_hand.repository = "x";
    by_hand.tag = "1";
    CHECK(hpc::test::error_message([&] { resolve_endpoint(by_hand, policy, "hpc.toml"); }, ExitCode::denied) ==
          "quay.io/x:1: registry quay.io is not allowed by the site ([oci] allow in hpc.toml)");
}
