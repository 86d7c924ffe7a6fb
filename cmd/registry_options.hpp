// The options of every command that reaches a registry (pull, push, build, and the actions on a
// docker:// or oras:// image), with Apptainer's names, and the settings they make with the
// site's [oci] table and the environment.
#pragma once

#include "builder/registry_image.hpp"
#include "builder/work_area.hpp"
#include "site-config/site_config.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace hpc::cmd {

struct RegistryOptions {
    bool docker_login = false;  // ask for a username and password on the terminal
    std::string authfile;       // a docker config.json-format file of credentials
    bool no_https = false;      // plain HTTP to the registry
    bool disable_cache = false;
};

void add_registry_options(CLI::App& command, RegistryOptions& options);

// The settings for `options`: the site's [oci] policy, the cache's root ($HPC_CACHEDIR,
// $APPTAINER_CACHEDIR, the site's cache_dir, ~/.cache/hpc), $SSL_CERT_FILE and $SSL_CERT_DIR, credentials
// (--docker-login asks here, before any work). `temporary_directory`: --tmpdir or "" (then
// $HPC_TMPDIR, $APPTAINER_TMPDIR, $TMPDIR, /tmp).
builder::RegistrySettings registry_settings(const RegistryOptions& options, const site::SiteConfig& site,
                                            const std::string& temporary_directory);

// The image an action or inspect runs on: a local path as given, or the SIF of a docker:// or
// oras:// reference in the cache (a tag checked with the registry unless resolved recently),
// or with --disable-cache in a work area that lasts as long as this value.
class RunnableImage {
public:
    RunnableImage(const std::string& word, const RegistryOptions& options);
    const std::string& path() const { return path_; }

private:
    std::optional<builder::WorkArea> area_;
    std::string path_;
};

}  // namespace hpc::cmd
