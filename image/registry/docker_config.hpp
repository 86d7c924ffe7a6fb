// One file in Docker's config.json format (~/.docker/config.json, Apptainer's
// ~/.apptainer/docker-config.json, an --authfile): the credentials it holds for one registry.
#pragma once

#include "image/registry/credentials.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hpc::image::registry {

// The credentials of `registry` in the config.json text `json` read from `path` (for messages),
// matched and decoded as credentials.hpp says; nullopt when no entry of "auths" serves it with a
// user name. Throws hpc::Error(config) "<path>: <what is wrong>" for text that is not a JSON
// object, an "auths" that is not one, or a matching entry that is malformed.
std::optional<Credentials> credentials_in_docker_config(std::string_view json, const std::string& path,
                                                        const std::string& registry);

}  // namespace hpc::image::registry
