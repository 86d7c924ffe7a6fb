// Where the site config lives and when it is trusted. The path is fixed when hpc is built
// (CMake's HPC_SITE_CONFIG): no variable or option can point a launch at another file, since
// the policy binds the user who runs hpc. The file is trusted only when root owns it and only
// root can write it; it is checked on the descriptor it is read through, so it cannot be
// swapped between the check and the read.
#pragma once

#include "site-config/site_config.hpp"

#include <sys/types.h>

#include <optional>
#include <string>

namespace hpc::site {

// The compiled-in path, "/etc/hpc/hpc.toml" unless the build chose another.
const std::string& site_config_path();

// What the trust check needs to know about an opened file.
struct ConfigFileStatus {
    bool regular_file = false;
    uid_t owner = 0;
    mode_t mode = 0;  // st_mode; only the permission bits are looked at
};

// Throws hpc::Error(config) unless the file is a regular file, owned by root (or by
// `also_trusted_owner`, given only by `hpc config check` so that an admin can test a draft of
// their own) and writable by its owner alone:
// "<path>: must be owned by root and not writable by group or others (owner uid 1000, mode 0666)".
void check_trusted(const std::string& path, const ConfigFileStatus& status,
                   std::optional<uid_t> also_trusted_owner = std::nullopt);

// The policy in the file at `path`: the built-in defaults when there is no file; otherwise
// the file checked by check_trusted and parsed by parse_site_config. Throws hpc::Error(config)
// for a file that cannot be read, is not trusted, or is not a valid site config.
SiteConfig load_site_config(const std::string& path, std::optional<uid_t> also_trusted_owner = std::nullopt);

// As load_site_config, but nullopt when there is no file, for a caller that must say so.
std::optional<SiteConfig> read_site_config_file(const std::string& path,
                                                std::optional<uid_t> also_trusted_owner = std::nullopt);

// `hpc config check FILE`: a draft an admin is testing may also belong to the user who runs
// hpc, unless it is the installed file itself (site_config_path(), under any name), which
// gets no leniency. A missing draft is hpc::Error(no_input).
SiteConfig load_draft_site_config(const std::string& path);

}  // namespace hpc::site
