// Where the image cache lives: the first of these that is set and not empty wins.
//   1. $HPC_CACHEDIR, then Apptainer's names for the same, $APPTAINER_CACHEDIR and
//      $SINGULARITY_CACHEDIR (a site that set them for Apptainer keeps its cache where it is);
//   2. the site's default (the site config's, given by the caller; "" for none);
//   3. $XDG_CACHE_HOME/hpc, when $XDG_CACHE_HOME is absolute (the XDG base directory
//      specification says a relative one is to be ignored);
//   4. HOME/.cache/hpc.
// Pure: the environment and the home directory come in as data.
#pragma once

#include <string>
#include <vector>

namespace hpc::image::cache {

// `environ` is "NAME=VALUE" entries (common/environ.hpp, common/process_environment.hpp);
// `home` is the user's home directory (the caller's choice of $HOME or the passwd entry's).
std::string cache_root(const std::vector<std::string>& environ, const std::string& site_default, const std::string& home);

}  // namespace hpc::image::cache
