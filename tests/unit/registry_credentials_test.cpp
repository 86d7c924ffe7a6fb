#include "image/registry/credentials.hpp"
#include "image/registry/docker_config.hpp"

#include "image_fixture.hpp"
#include "thrown_error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

using hpc::ExitCode;
using hpc::image::registry::base64_decode;
using hpc::image::registry::base64_encode;
using hpc::image::registry::CredentialOptions;
using hpc::image::registry::Credentials;
using hpc::image::registry::credentials_in_docker_config;
using hpc::image::registry::find_credentials;

namespace {

using Environ = std::vector<std::string>;

// A config.json whose "auths" holds `entries` (JSON members, written as given).
std::string auths(const std::string& entries) { return "{\"auths\": {" + entries + "}}"; }

std::string auth_entry(const std::string& key, const std::string& user_password) {
    return "\"" + key + "\": {\"auth\": \"" + base64_encode(user_password) + "\"}";
}

std::optional<Credentials> in_config(const std::string& json, const std::string& registry) {
    return credentials_in_docker_config(json, "config.json", registry);
}

std::string config_refusal(const std::string& json, const std::string& registry) {
    return hpc::test::error_message([&] { in_config(json, registry); }, ExitCode::config);
}

// A home directory with the files a test writes under it.
struct Home {
    hpc::test::TempDir dir{"hpc-credentials"};
    std::string path() const { return dir.path(); }
    void write(const std::string& relative, const std::string& text) const {
        std::string file = path() + "/" + relative;
        std::string parent = file.substr(0, file.rfind('/'));
        ::mkdir(parent.c_str(), 0700);
        hpc::test::write_host_file(file, text, 0600);
    }
};

}  // namespace

TEST_CASE("registry base64: standard alphabet, padded, both ways", "[registry_credentials]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("user:pa:ss") == "dXNlcjpwYTpzcw==");
    CHECK(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
    CHECK(base64_decode("") == "");
    CHECK(base64_decode("Zg==") == "f");
    CHECK(base64_decode("Zm8=") == "fo");
    CHECK(base64_decode("dXNlcjpwYTpzcw==") == "user:pa:ss");
    CHECK(base64_decode("//4A") == std::string("\xff\xfe\x00", 3));
    for (const char* bad :
         {"Zg", "Zg=", "Z===", "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v====", "Zg==Zg==", "_-4A", "Zm9*", "=Zg=", "===="}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad).has_value());
    }
    std::string all;
    for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
    CHECK(base64_decode(base64_encode(all)) == all);
}

TEST_CASE("registry credentials: config.json keys matched as Docker matches them", "[registry_credentials]") {
    Credentials user{"me", "secret", "config.json"};
    for (const char* key : {"ghcr.io", "https://ghcr.io", "http://ghcr.io", "https://ghcr.io/v1/",
                            "https://ghcr.io/v2/", "ghcr.io/v2/", "GHCR.io"}) {
        INFO(key);
        CHECK(in_config(auths(auth_entry(key, "me:secret")), "ghcr.io") == user);
    }
    CHECK(in_config(auths(auth_entry("localhost:5000", "me:secret")), "localhost:5000") == user);
    CHECK(in_config(auths(auth_entry("http://127.0.0.1:5000/v2/", "me:secret")), "127.0.0.1:5000") == user);
    // Another host, or another port of the same host, is not this registry.
    CHECK_FALSE(in_config(auths(auth_entry("ghcr.io.evil.org", "me:secret")), "ghcr.io"));
    CHECK_FALSE(in_config(auths(auth_entry("https://evil.org/ghcr.io", "me:secret")), "ghcr.io"));
    CHECK_FALSE(in_config(auths(auth_entry("localhost:5001", "me:secret")), "localhost:5000"));
    CHECK_FALSE(in_config(auths(auth_entry("localhost", "me:secret")), "localhost:5000"));
    // The exact key wins over one that only has the host.
    CHECK(in_config(auths(auth_entry("https://ghcr.io", "host:1") + ", " + auth_entry("ghcr.io", "exact:2")),
                    "ghcr.io") == Credentials{"exact", "2", "config.json"});
}

TEST_CASE("registry credentials: Docker Hub's keys", "[registry_credentials]") {
    for (const char* key : {"https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io",
                            "https://registry-1.docker.io/v2/"}) {
        INFO(key);
        CHECK(in_config(auths(auth_entry(key, "hub:pw")), "docker.io") == Credentials{"hub", "pw", "config.json"});
    }
    CHECK(in_config(auths(auth_entry("index.docker.io", "other:1") + ", " +
                          auth_entry("https://index.docker.io/v1/", "login:2")),
                    "docker.io") == Credentials{"login", "2", "config.json"});
    CHECK_FALSE(in_config(auths(auth_entry("https://index.docker.io/v1/", "hub:pw")), "ghcr.io"));
}

TEST_CASE("registry credentials: auth, or username and password, in an entry", "[registry_credentials]") {
    // Split at the first ':': a password may hold more.
    CHECK(in_config(auths(auth_entry("ghcr.io", "me:a:b:c")), "ghcr.io") == Credentials{"me", "a:b:c", "config.json"});
    CHECK(in_config(auths(auth_entry("ghcr.io", "me:")), "ghcr.io") == Credentials{"me", "", "config.json"});
    // decodeAuth trims NULs from the password's ends.
    CHECK(in_config(auths(auth_entry("ghcr.io", std::string("me:pw\0\0", 7))), "ghcr.io") ==
          Credentials{"me", "pw", "config.json"});
    CHECK(in_config(auths("\"ghcr.io\": {\"username\": \"u\", \"password\": \"p\"}"), "ghcr.io") ==
          Credentials{"u", "p", "config.json"});
    // auth wins over the fields, as in Docker.
    CHECK(in_config(auths("\"ghcr.io\": {\"auth\": \"" + base64_encode("a:1") + "\", \"username\": \"u\"}"),
                    "ghcr.io") == Credentials{"a", "1", "config.json"});
    // A credential helper's entry, or one with only a token, holds nothing hpc can use: the next one may.
    CHECK_FALSE(in_config(auths("\"ghcr.io\": {}"), "ghcr.io"));
    CHECK_FALSE(in_config(auths("\"ghcr.io\": {\"auth\": \"\", \"identitytoken\": \"t\"}"), "ghcr.io"));
    CHECK(in_config(auths("\"ghcr.io\": {}, " + auth_entry("https://ghcr.io", "me:pw")), "ghcr.io") ==
          Credentials{"me", "pw", "config.json"});
    CHECK_FALSE(in_config("{\"credsStore\": \"desktop\", \"credHelpers\": {\"ghcr.io\": \"gh\"}}", "ghcr.io"));
    CHECK_FALSE(in_config("{}", "ghcr.io"));
    CHECK_FALSE(in_config("{\"auths\": null}", "ghcr.io"));
}

TEST_CASE("registry credentials: malformed files and entries", "[registry_credentials]") {
    CHECK(config_refusal("{\"auths\": {", "ghcr.io").starts_with("config.json: invalid JSON: "));
    CHECK(config_refusal("[]", "ghcr.io") == "config.json: not a JSON object");
    CHECK(config_refusal("{\"auths\": []}", "ghcr.io") == "config.json: auths is not a JSON object");
    CHECK(config_refusal(auths("\"ghcr.io\": \"me:pw\""), "ghcr.io") ==
          "config.json: auths.\"ghcr.io\": not a JSON object");
    CHECK(config_refusal(auths("\"ghcr.io\": {\"auth\": \"me:pw\"}"), "ghcr.io") ==
          "config.json: auths.\"ghcr.io\": auth is not base64");
    CHECK(config_refusal(auths("\"ghcr.io\": {\"auth\": \"" + base64_encode("mepw") + "\"}"), "ghcr.io") ==
          "config.json: auths.\"ghcr.io\": auth is not base64 of user:password");
    CHECK(config_refusal(auths("\"ghcr.io\": {\"auth\": 5}"), "ghcr.io") ==
          "config.json: auths.\"ghcr.io\": auth is not a string");
    CHECK(config_refusal(auths("\"ghcr.io\": {\"username\": \"u\", \"password\": true}"), "ghcr.io") ==
          "config.json: auths.\"ghcr.io\": password is not a string");
    // Entries of other registries are not judged.
    CHECK(in_config(auths("\"quay.io\": {\"auth\": \"???\"}, " + auth_entry("ghcr.io", "me:pw")), "ghcr.io") ==
          Credentials{"me", "pw", "config.json"});
}

TEST_CASE("registry credentials: --docker-login first, then the environment's pairs in order",
          "[registry_credentials]") {
    Home home;
    home.write(".docker/config.json", auths(auth_entry("ghcr.io", "file:pw")));
    CredentialOptions options;
    options.given = Credentials{"typed", "in", "--docker-login"};
    Environ environment{"HPC_DOCKER_USERNAME=hpc", "HPC_DOCKER_PASSWORD=1"};
    CHECK(find_credentials("ghcr.io", environment, home.path(), options) == options.given);

    options.given.reset();
    CHECK(find_credentials("ghcr.io", environment, home.path(), options) ==
          Credentials{"hpc", "1", "HPC_DOCKER_USERNAME"});
    environment = {"SINGULARITY_DOCKER_USERNAME=sing", "SINGULARITY_DOCKER_PASSWORD=3", "APPTAINER_DOCKER_USERNAME=app",
                   "APPTAINER_DOCKER_PASSWORD=2"};
    CHECK(find_credentials("ghcr.io", environment, home.path(), options) ==
          Credentials{"app", "2", "APPTAINER_DOCKER_USERNAME"});
    // Half a pair, or an empty half, is passed over.
    environment = {"HPC_DOCKER_USERNAME=hpc", "APPTAINER_DOCKER_PASSWORD=2", "SINGULARITY_DOCKER_USERNAME=sing",
                   "SINGULARITY_DOCKER_PASSWORD=3"};
    CHECK(find_credentials("ghcr.io", environment, home.path(), options) ==
          Credentials{"sing", "3", "SINGULARITY_DOCKER_USERNAME"});
    environment = {"HPC_DOCKER_USERNAME=hpc", "HPC_DOCKER_PASSWORD="};
    CHECK(find_credentials("ghcr.io", environment, home.path(), options) ==
          Credentials{"file", "pw", home.path() + "/.docker/config.json"});
}

TEST_CASE("registry credentials: the default files in order, DOCKER_CONFIG in place of ~/.docker",
          "[registry_credentials]") {
    Home home;
    CredentialOptions none;
    // No files at all: anonymous.
    CHECK_FALSE(find_credentials("ghcr.io", {}, home.path(), none));
    CHECK_FALSE(find_credentials("ghcr.io", {}, "", none));

    home.write(".apptainer/docker-config.json",
               auths(auth_entry("ghcr.io", "apptainer:pw") + ", " + auth_entry("quay.io", "apptainer:quay")));
    CHECK(find_credentials("ghcr.io", {}, home.path(), none) ==
          Credentials{"apptainer", "pw", home.path() + "/.apptainer/docker-config.json"});
    home.write(".docker/config.json", auths(auth_entry("ghcr.io", "docker:pw")));
    CHECK(find_credentials("ghcr.io", {}, home.path(), none) ==
          Credentials{"docker", "pw", home.path() + "/.docker/config.json"});
    // A registry the first file does not serve is looked for in the next.
    CHECK(find_credentials("quay.io", {}, home.path(), none) ==
          Credentials{"apptainer", "quay", home.path() + "/.apptainer/docker-config.json"});
    CHECK_FALSE(find_credentials("localhost:5000", {}, home.path(), none));

    home.write("elsewhere/config.json", auths(auth_entry("ghcr.io", "elsewhere:pw")));
    Environ environment{"DOCKER_CONFIG=" + home.path() + "/elsewhere"};
    CHECK(find_credentials("ghcr.io", environment, home.path(), none) ==
          Credentials{"elsewhere", "pw", home.path() + "/elsewhere/config.json"});
    // DOCKER_CONFIG replaces ~/.docker: a directory without config.json is passed over, to Apptainer's file.
    environment = {"DOCKER_CONFIG=" + home.path() + "/missing"};
    CHECK(find_credentials("ghcr.io", environment, home.path(), none) ==
          Credentials{"apptainer", "pw", home.path() + "/.apptainer/docker-config.json"});
    environment = {"DOCKER_CONFIG="};
    CHECK(find_credentials("ghcr.io", environment, home.path(), none)->username == "docker");
}

TEST_CASE("registry credentials: --authfile is the only file, and must be there", "[registry_credentials]") {
    Home home;
    home.write(".docker/config.json", auths(auth_entry("ghcr.io", "docker:pw")));
    home.write("auth.json", auths(auth_entry("quay.io", "authfile:pw")));
    CredentialOptions options;
    options.authfile = home.path() + "/auth.json";
    CHECK(find_credentials("quay.io", {}, home.path(), options) == Credentials{"authfile", "pw", options.authfile});
    CHECK_FALSE(find_credentials("ghcr.io", {}, home.path(), options));
    // The environment still comes first.
    CHECK(find_credentials("quay.io", {"HPC_DOCKER_USERNAME=e", "HPC_DOCKER_PASSWORD=p"}, home.path(), options)
              ->username == "e");

    options.authfile = home.path() + "/missing.json";
    CHECK(hpc::test::error_message([&] { find_credentials("quay.io", {}, home.path(), options); },
                                   ExitCode::no_input) == home.path() + "/missing.json: No such file or directory");
    options.authfile = home.path();
    CHECK(hpc::test::error_message([&] { find_credentials("quay.io", {}, home.path(), options); }, ExitCode::usage) ==
          home.path() + ": not a regular file");
}

TEST_CASE("registry credentials: files that cannot be used are errors naming them", "[registry_credentials]") {
    Home home;
    home.write(".docker/config.json", "{\"auths\": ");
    std::string path = home.path() + "/.docker/config.json";
    CHECK(hpc::test::error_message([&] { find_credentials("ghcr.io", {}, home.path(), {}); }, ExitCode::config)
              .starts_with(path + ": invalid JSON: "));
    home.write(".docker/config.json", std::string(hpc::image::registry::max_credentials_file_bytes + 1, ' '));
    CHECK(hpc::test::error_message([&] { find_credentials("ghcr.io", {}, home.path(), {}); }, ExitCode::usage) ==
          path + ": larger than 1048576 bytes");
    home.write(".docker/config.json", auths(auth_entry("ghcr.io", "me:pw")));
    if (::geteuid() != 0) {
        REQUIRE(::chmod(path.c_str(), 0) == 0);
        CHECK(hpc::test::error_message([&] { find_credentials("ghcr.io", {}, home.path(), {}); }, ExitCode::denied) ==
              path + ": Permission denied");
    }
}
