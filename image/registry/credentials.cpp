// The search of credentials.hpp: the command line, the environment, then the files, each
// source whole before the next.
#include "image/registry/credentials.hpp"

#include "common/environ.hpp"
#include "common/error.hpp"
#include "common/regular_file.hpp"
#include "common/unique_fd.hpp"
#include "image/registry/docker_config.hpp"

#include <fcntl.h>

#include <array>
#include <cerrno>
#include <string_view>

namespace hpc::image::registry {
namespace {

struct VariablePair {
    std::string_view username, password;
};

// hpc's own names first, then Apptainer's and Singularity's, as each tool reads its own first.
constexpr std::array<VariablePair, 3> variable_pairs{{
    {"HPC_DOCKER_USERNAME", "HPC_DOCKER_PASSWORD"},
    {"APPTAINER_DOCKER_USERNAME", "APPTAINER_DOCKER_PASSWORD"},
    {"SINGULARITY_DOCKER_USERNAME", "SINGULARITY_DOCKER_PASSWORD"},
}};

std::optional<Credentials> from_environment(const std::vector<std::string>& environ) {
    for (const VariablePair& pair : variable_pairs) {
        std::optional<std::string_view> username = environ_value(environ, pair.username);
        std::optional<std::string_view> password = environ_value(environ, pair.password);
        // Half a pair is no login: the next pair, or a file, may hold a whole one.
        if (username && password && !username->empty() && !password->empty())
            return Credentials{std::string(*username), std::string(*password), std::string(pair.username)};
    }
    return std::nullopt;
}

struct CredentialsFile {
    std::string path;
    bool required = false;  // --authfile's: its absence is the user's mistake, not a default place left empty
};

std::vector<CredentialsFile> files_to_search(const std::vector<std::string>& environ, const std::string& home,
                                             const CredentialOptions& options) {
    if (!options.authfile.empty()) return {{options.authfile, true}};
    std::vector<CredentialsFile> files;
    // Docker's own rule: DOCKER_CONFIG names the directory of config.json, in place of ~/.docker.
    std::optional<std::string_view> docker_config = environ_value(environ, "DOCKER_CONFIG");
    if (docker_config && !docker_config->empty())
        files.push_back({std::string(*docker_config) + "/config.json"});
    else if (!home.empty())
        files.push_back({home + "/.docker/config.json"});
    if (!home.empty()) files.push_back({home + "/.apptainer/docker-config.json"});
    return files;
}

// The file's text, or nullopt for a default file that is not there. Opened once and read
// through that descriptor (common/regular_file): a FIFO or a huge file is refused, not waited on.
std::optional<std::string> read_credentials_file(const CredentialsFile& file) {
    UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        int err = errno;
        if (!file.required && (err == ENOENT || err == ENOTDIR)) return std::nullopt;
        throw_errno(file.path, err);
    }
    return read_regular_file(fd.get(), max_credentials_file_bytes, file.path);
}

}  // namespace

std::optional<Credentials> find_credentials(const std::string& registry, const std::vector<std::string>& environ,
                                            const std::string& home, const CredentialOptions& options) {
    if (options.given) return options.given;
    if (auto credentials = from_environment(environ)) return credentials;
    for (const CredentialsFile& file : files_to_search(environ, home, options)) {
        std::optional<std::string> text = read_credentials_file(file);
        if (!text) continue;
        if (auto credentials = credentials_in_docker_config(*text, file.path, registry)) return credentials;
    }
    return std::nullopt;
}

}  // namespace hpc::image::registry
