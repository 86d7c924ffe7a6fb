#include "cmd/apptainer_commands.hpp"

#include <algorithm>

namespace hpc::cmd {
namespace {

struct Answer {
    std::string_view word;
    std::string_view answer;
};

constexpr std::string_view registries =
    "hpc reaches registries through docker:// and oras:// images alone (hpc pull, hpc push, hpc exec "
    "docker://...); Sylabs' library://, shub:// and the other transports are not in hpc";
constexpr std::string_view registry_accounts =
    "hpc keeps no registry accounts: credentials come from ~/.docker/config.json ($DOCKER_CONFIG), "
    "--authfile, --docker-login or HPC_DOCKER_USERNAME and HPC_DOCKER_PASSWORD";
constexpr std::string_view local_oci =
    "an OCI image is run from the SIF hpc builds of it: hpc build IMAGE.sif SOURCE, then run IMAGE.sif";
constexpr std::string_view signing = "signing and verifying images is not in hpc yet";
constexpr std::string_view instances = "instances (containers left running in the background) are not in hpc yet";
constexpr std::string_view capabilities = "capabilities are not in hpc yet: a container has none on the host";
constexpr std::string_view encryption = "encrypted images are not in hpc yet";

constexpr Answer commands[] = {
    {"oras", registries},
    {"search", registries},
    {"registry", registry_accounts},
    {"remote", registry_accounts},
    {"delete", registries},
    {"sign", signing},
    {"verify", signing},
    {"key", signing},
    {"keyserver", signing},
    {"instance", instances},
    {"plugin", "plugins are not in hpc yet"},
    {"capability", capabilities},
    {"checkpoint", "checkpointing is not in hpc yet"},
    {"oci", "OCI runtime commands are not in hpc yet"},
    {"sif", "not in hpc: siftool (Debian's package siftool) is the same tool"},
    {"config fakeroot",
     "hpc --fakeroot uses the subordinate ids of /etc/subuid and /etc/subgid (root adds them with usermod "
     "--add-subuids and --add-subgids)"},
    {"config global", "hpc's site configuration is a TOML file of root's: hpc config check shows it"},
};

constexpr Answer options[] = {
    {"--app", "apps (SCIF, %app sections) are not in hpc yet"},
    {"-u", "hpc always runs in a user namespace: leave -u out"},
    {"--userns", "hpc always runs in a user namespace: leave --userns out"},
    {"--add-caps", capabilities},
    {"--drop-caps", capabilities},
    {"--keep-privs", capabilities},
    {"--security", "security options (SELinux, AppArmor, seccomp profiles) are not in hpc yet"},
    {"--remote", "remote builds are not in hpc yet"},
    {"--encrypt", encryption},
    {"--passphrase", encryption},
    {"--pem-path", encryption},
    {"--oci", "Apptainer's OCI mode is not in hpc yet"},
};

// Apptainer's transports (internal/pkg/util/uri's validURIs) and its own instance://.
// docker:// and oras:// are hpc's too (image/registry).
constexpr std::string_view transports[] = {"library", "shub", "docker-daemon", "http", "https", "buildkit",
                                           "dockerfile", "ipfs"};
// What `hpc build` reads (image/oci): only actions answer them.
constexpr std::string_view local_transports[] = {"oci", "oci-archive", "docker-archive"};

template <std::size_t size>
std::optional<std::string_view> find(const Answer (&table)[size], std::string_view word) {
    for (const Answer& entry : table)
        if (entry.word == word) return entry.answer;
    return std::nullopt;
}

}  // namespace

std::optional<std::string_view> apptainer_command_answer(std::string_view path) { return find(commands, path); }

std::optional<std::string_view> apptainer_option_answer(std::string_view option) { return find(options, option); }

std::optional<std::string_view> image_reference_answer(std::string_view word) {
    std::size_t colon = word.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view transport = word.substr(0, colon);
    if (transport == "instance") return instances;
    if (std::find(std::begin(local_transports), std::end(local_transports), transport) != std::end(local_transports))
        return local_oci;
    if (std::find(std::begin(transports), std::end(transports), transport) != std::end(transports)) return registries;
    return std::nullopt;
}

}  // namespace hpc::cmd
