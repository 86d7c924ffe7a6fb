// Hosts and images invented for the planner's tests: the planner is pure, so a test hands it
// whatever user, file system and image it needs, and these make the parts every test needs.
#pragma once

#include "sandbox/plan/planner.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace hpc::test {

// A user whose uid and gid are `id`, with their own group, home /home/NAME and `shell`.
sandbox::UserIdentity invented_user(uint32_t id, const std::string& name, const std::string& shell);

// A host's path resolution: the paths in `links` lead elsewhere (a prefix rewritten: /home/u ->
// /data/home/u), and only the paths in `existing` (after that) exist.
sandbox::CanonicalPath invented_paths(std::map<std::string, std::string> links, std::set<std::string> existing);

// The device nodes, /proc and /sys that a host always has.
std::set<std::string> usual_host_paths();

// An image at `path` owned by `owner` with /bin/sh, root's passwd and group entries, and only
// `paths` in it.
sandbox::ImageSummary invented_image(const std::string& path, const std::string& owner, std::set<std::string> paths);

}  // namespace hpc::test
