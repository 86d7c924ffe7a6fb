// cache: the image cache (image/cache) as Apptainer's `cache` command shows and empties it.
//   hpc cache list [-v]                          a summary; with -v, every entry
//   hpc cache clean [--days N] [-f] [-n]         remove entries (asks first on a terminal)
#pragma once

#include "site-config/site_config.hpp"

#include <CLI/CLI.hpp>

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace hpc::cmd {

struct CacheOptions {
    bool list = false;
    bool clean = false;
    bool verbose = false;      // list: every entry
    std::optional<int> days;   // clean: only entries last used at least this many days ago
    bool force = false;        // clean: without asking
    bool dry_run = false;      // clean: say what would go, remove nothing
};

// Adds `list` and `clean` under the `cache` command.
void add_cache_options(CLI::App& command, CacheOptions& options);

// Prints on stdout; returns 0. Throws hpc::Error: usage for clean without --force where no
// terminal can answer its question, the cache's own errors (a folder not the user's: denied).
int run_cache_command(const CacheOptions& options);

// The cache's root for the user `uid`: cache_root (image/cache/cache_location.hpp) from the
// environment, the folder of `uid` in the site's [oci] cache_dir, and the home directory
// (common/home_directory.hpp).
std::string cache_root_for(const std::vector<std::string>& environ, const site::SiteConfig& site, uid_t uid);

}  // namespace hpc::cmd
